### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 未决板卡，显示在记录界面和队列界面：工站在锁定时停止的板卡，因此结果未记录。
### 把这种板卡放回任一槽位即可完成；主管也可以声明它无法找回，或说明它会被放回。

## 列表

# 标题；$count 是等待中的板卡数量。
# unreviewed
claims-title = 待放回的{ -board(form: "plural") }（{ $count }）
# 技术员看到的操作说明；$count 是等待中的板卡数量。
# unreviewed
claims-help = { -station }在锁定这 { $count } 块{ -board }时停止了，因此结果未记录。把{ -board }放回任一{ -slot }并运行：{ -station }会回读它并记录为{ -pass }或{ -fail }，不会重新烧录。如果找不到{ -board }，请叫{ -supervisor }。
# 主管看到的操作说明；“声明为无法找回”即按钮“板卡无法找回”。
# unreviewed
claims-help-supervisor = { -station }在锁定这 { $count } 块{ -board }时停止了，因此结果未记录。把{ -board }放回任一{ -slot }并运行：{ -station }会回读它并记录为{ -pass }或{ -fail }，不会重新烧录。如果{ -board }再也回不来，请将其声明为无法找回（其{ -enrollment }永远不会进入队列）。

## 一块等待中的板卡

# 板卡原来所在的槽位。
# unreviewed
claims-slot = { -slot } { $slot }
# 工站开始处理该板卡的时间：“自 2026-12-03 14:05:09 起”。
# unreviewed
claims-since = 自 { $time } 起
# 主管已说明板卡会被放回：$by 是主管的工牌 ID，$time 是时间。
# unreviewed
claims-waiting = 等待放回（{ $by }，{ $time }）
# 尚未决定如何处理该板卡。
# unreviewed
claims-not-decided = 未决定

## 主管的决定

# 主管填写板卡无法找回原因的输入框中的提示。
# unreviewed
claims-reason-placeholder = 无法找回的原因
# 用于永远不会回来的板卡的按钮（也是确认对话框的动词）。
# unreviewed
claims-void = { -board(form: "title") }无法找回
    .title = { -board }已报废或丢失：判该{ -unit }失败，作废其证书，不进入队列
    .confirm = 确认{ -board } { $serial }（{ -unit } #{ $unit }，{ -slot } { $slot }）永久无法找回？其{ -unit }判为失败，证书被吊销，{ -enrollment }永远不会进入队列。
# 板卡被声明为无法找回后显示；$serial 是板卡的序列号。
# unreviewed
claims-void-done = { $serial } 已声明为无法找回
# 用于稍后会放回槽位的板卡的按钮。
# unreviewed
claims-wait = 稍后放回
    .title = { -board }会被放回{ -slot }：继续等待
# 主管说明板卡会被放回后显示。
# unreviewed
claims-wait-done = { $serial }：等待{ -board }放回
