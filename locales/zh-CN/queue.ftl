### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 队列界面：等待上传到 DPS 的注册项、上传程序是否在运行、被 DPS 作为冲突拒绝的
### 注册项（由主管重试或标记为已解决），以及最近的上传错误。

## 界面标题及其计数

# unreviewed
queue-title = 队列与上传
# 计数：等待上传的注册项。
# unreviewed
queue-card-queued = 排队中
# 计数：此刻正在发送到 DPS 的注册项。
# unreviewed
queue-card-uploading = 正在上传
# unreviewed
queue-card-uploaded-hour = 已上传（最近 1 小时）
# unreviewed
queue-card-uploaded-all = 已上传（全部）
# 计数：DPS 已为同一设备保存了另一个注册项而拒绝的注册项。
# unreviewed
queue-card-conflicts = 冲突
# $age：多久以前，例如“4 分钟”或“2 小时 5 分钟”；$time：排队的日期和时间。
# unreviewed
queue-oldest = 最早排队：{ $age }前（{ $time }）
# unreviewed
queue-oldest-none = 最早排队：无

## 上传程序（在后台把注册项发送到 DPS 的程序）是否在运行

# unreviewed
queue-uploader-running = 上传程序：运行中
# 在表示未运行的三条消息中都保留“未运行”。
# unreviewed
queue-uploader-stopped = 上传程序：未运行
# 有注册项在等待时显示：它们都无法到达 DPS。
# unreviewed
queue-uploader-stopped-queued = 上传程序：未运行：它运行之前，任何数据都不会到达 { -dps }。请叫{ -supervisor }启动它。
# unreviewed
queue-uploader-unknown = 上传程序：{ -station }无法判断它是否在运行

## 冲突：DPS 中已有同一注册 ID 的另一个注册项

# unreviewed
queue-conflicts = 冲突
# unreviewed
queue-conflicts-help = { -dps } 中已有这些注册 ID 的另一个{ -enrollment }。请在 { -dps } 中检查：如果它已过期，在那里删除它并重试上传；如果它是正确的，把冲突标记为已解决。
# 接在 queue-conflicts-help 之后，给非主管人员看。
# unreviewed
queue-conflicts-ask = 这两种操作都由{ -supervisor }执行。
# unreviewed
queue-conflicts-none = 没有冲突。
# 表格单元：该注册项所属的记录（一块板卡的烧录），按编号显示。
# unreviewed
queue-conflict-unit = { -unit } #{ $unit }
# unreviewed
queue-retry = 重试上传
    .title = 从 { -dps } 删除过期的{ -enrollment }后：把此{ -unit }的{ -enrollment }重新排队上传
# $unit：记录编号；$registration：它在 DPS 中的注册 ID。
# unreviewed
queue-retry-confirm = 把{ -unit } #{ $unit }（{ $registration }）的{ -enrollment }重新排队上传？
# unreviewed
queue-retry-done = { $registration } 已重新排队上传
# unreviewed
queue-resolve = 标记为已解决
    .title = { -dps } 中已有此{ -unit }的正确{ -enrollment }：不上传，直接标记为已上传
# unreviewed
queue-resolve-confirm = 不上传，直接把{ -unit } #{ $unit }（{ $registration }）标记为已上传？仅在 { -dps } 中已有其正确{ -enrollment }时才这样做。
# unreviewed
queue-resolve-done = { $registration } 已标记为已解决

## 最近的上传错误

# unreviewed
queue-errors = 最近的错误
# unreviewed
queue-errors-none = 没有上传错误。
# 注册项在错误表中的状态。“已被返工取代”：返工重新烧录了该板卡，由之后的注册项
# 取代这一个。“等待禁用”：已吊销的板卡，其注册项要在 DPS 中禁用，使 DPS 拒绝它。
# unreviewed
queue-enrollment-status = { $status ->
    [queued] 等待上传
    [uploaded] 已上传
    [conflict] 冲突
    [superseded] 已被返工取代
    [disable_queued] 等待在 { -dps } 中禁用
    [disabled] 已在 { -dps } 中禁用
   *[other] { $status }
}
# unreviewed
queue-footer = 上传在后台进行；{ -supervisor }在“{ -supervisor(form: "title") }”界面导出批次。
