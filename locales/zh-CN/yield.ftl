### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 良率界面（多少板卡通过和失败，按小时和原因，按班次和工单）、界面底部的整条产线面板，
### 以及页头中的产线标识。“产线”：同一条生产线上的各个工站，它们共用一个数据库，
### 因此任何板卡都不会被烧录两次。

## 良率界面的筛选

# unreviewed
yield-title = 良率
# 8 小时的工作班次（06–14、14–22、22–06）。
# unreviewed
yield-shift = 班次
# unreviewed
yield-shift-all = 全部时间
# 列表中的一个班次：$day 为其开始日期（2026-12-03），$from 和 $until 为起止时间（14:00）。
# unreviewed
yield-shift-option = { $day } { $from }–{ $until }
# unreviewed
yield-work-order = { -work-order(form: "title") }
# 所有工单。
# unreviewed
yield-work-order-all = 全部

## 计数和图表

# unreviewed
yield-pass = { -pass }
# unreviewed
yield-fail = { -fail }
# 计数和列：通过的板卡所占比例。
# unreviewed
yield-yield = 良率
# 比例，例如“41.7%”：$percent 为 0 到 100。
# unreviewed
yield-percent = { NUMBER($percent, minimumFractionDigits: 1, maximumFractionDigits: 1) }%
# unreviewed
yield-chart-hourly = 每小时{ -pass }与{ -fail }
# 失败柏拉图：每种错误和步骤一根柱，最常见的在前。
# unreviewed
yield-chart-reasons = 失败原因（按代码和步骤）
# 失败柱的图例：以此方式失败的记录（已烧录的板卡）数量。
# unreviewed
yield-chart-units = 记录数
# 柱的标签：$reason 是错误描述，$step 是板卡失败的步骤。
# unreviewed
yield-reason-label = { $reason } · { $step }

## 失败原因表

# unreviewed
yield-reason = 原因
# unreviewed
yield-step = 步骤
# unreviewed
yield-units = 记录数
# 该原因在所有失败中所占的比例。
# unreviewed
yield-share = 占比
# 占比的累计值，从最常见的原因一直加到这一行。
# unreviewed
yield-cumulative = 累计
# 错误代码（例如 station::smp::timeout）。
# unreviewed
yield-code = 错误代码
# 在一行中：因该原因失败的最新记录的消息。
# unreviewed
yield-reason-newest = 最新：{ $message }

## 整条产线：每个工站的良率、各工单的证书配额，以及主管需要查看的事项

# unreviewed
line-whole = 整条{ -line }
# 界面只显示一个工单时面板的标题。
# unreviewed
line-whole-work-order = 整条{ -line }：{ -work-order } { $workOrder }
# unreviewed
line-station = { -station(form: "title") }
# 每个工站最后一次连接到产线数据库的时间。
# unreviewed
line-last-seen = 最后连接
# $age：多久以前，例如“40 秒”或“6 分钟”。
# unreviewed
line-seen-ago = { $age }前
# unreviewed
line-seen-never = 从未
# 本界面所在工站的那一行。
# unreviewed
line-station-here = { $station }（本{ -station }）
# 该工单在整条产线上允许签发的证书数量。
# unreviewed
line-quota = 配额
# 已分配给各工站的配额证书（无论是否已使用）。
# unreviewed
line-handed-out = 已分配
# unreviewed
line-issued = 已签发
# 不再接收板卡的工单。
# unreviewed
line-work-order-closed = 已关闭
# 冲突：在某个工站无法连接产线期间，同一序列号或密钥在两个工站上被烧录。
# 后面跟着 line-conflicts-help。
# unreviewed
line-conflicts = { $count } 个冲突：
# unreviewed
line-conflicts-help = { -line }无法连接期间，同一{ -serial }或密钥在两个{ -station(form: "plural") }上被烧录。由{ -supervisor }决定保留哪块{ -board }。
# 一个冲突：编号、被烧录两次的内容，然后是两条记录及其工站。
# unreviewed
line-conflict = #{ $id } { $kind } { $value }：{ -station } { $holderStation } 的{ -unit } { $holderUnit }，与{ -station } { $station } 的{ -unit } { $unit }
# 冲突涉及的内容：两个工站都烧录了的值。
# unreviewed
line-conflict-kind = { $kind ->
    [serial] { -serial }
    [registration_id] 注册 ID
    [ek_sha256] 安全芯片
    [symkey_sha256] 设备密钥
    [cert_serial] 证书编号
    [spki_sha256] 已认证的设备密钥
   *[other] { $kind }
}
# 工站在锁定时停止的板卡。后面跟着 line-claims-help。
# unreviewed
line-claims = { $count } 块{ -board(form: "plural") }在锁定时停止：
# unreviewed
line-claims-help = 请逐块送回此处所列的{ -station }；只有该{ -station }能完成处理。
# unreviewed
line-claim = { $serial } 在{ -station } { $station }（{ -unit } { $unit }）
# unreviewed
line-claim-no-serial = { -station } { $station } 上一块{ -serial }未知的{ -board }（{ -unit } { $unit }）

## 页头的产线标识：本工站是否能连接产线数据库

# $count：产线发现的冲突数量；其提示说明冲突是什么。
# unreviewed
line-badge-conflicts = { -line(form: "title") }：{ $count } 个冲突
    .title = { -line }无法连接期间在这里烧录的部分{ -board(form: "plural") }，也在另一个{ -station }上烧录过：请叫{ -supervisor }。良率界面列出了它们。
# $count：产线尚未收到的本工站数据条数，正在发送。
# unreviewed
line-badge-connected = { $count ->
    [0] { -line(form: "title") }：已连接
   *[other] { -line(form: "title") }：已连接（还有 { $count } 条待发送）
}
    .title = 已连接到{ -line }数据库。
# 无法连接产线，本工站独自继续烧录；$count：等产线恢复后要发送的数据条数。
# unreviewed
line-badge-alone = { $count ->
    [0] { -line(form: "title") }：无法连接，单独运行
   *[other] { -line(form: "title") }：无法连接，单独运行（{ $count } 条待发送）
}
    .title = 无法连接{ -line }数据库：本{ -station }继续烧录，只核对自己的数据，{ -line }恢复后再发送给{ -line }。
# unreviewed
line-badge-refused = { -line(form: "title") }：无法连接，已停止烧录
    .title = 无法连接{ -line }数据库：恢复之前无法烧录任何{ -board }。请叫{ -supervisor }。
