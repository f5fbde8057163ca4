### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 所有界面共用的词：记录的状态、时长、对话框、屏幕键盘。

## 记录的状态，以及它在运行界面图块上显示的词

# unreviewed
status-pass = { -pass }
    .meaning = 已烧录并已记录
# unreviewed
status-fail = { -fail }
    .meaning = 失败；没有任何数据进入队列
# unreviewed
status-committing = { -open }
    .meaning = 未判定：把{ -board }放回任一{ -slot }，重新运行
# unreviewed
status-in_progress = { -running }
    .meaning = 正在烧录
# unreviewed
status-interrupted = { -interrupted }
    .meaning = 因断电中止；其证书已撤回
# unreviewed
status-superseded = { -reworked }
    .meaning = 已返工重新烧录；由之后的{ -unit }取代

## 多久以前，一眼看清

# unreviewed
age-seconds = { $s } 秒
# unreviewed
age-minutes = { $m } 分钟
# unreviewed
age-hours = { $h } 小时 { $m } 分钟
# unreviewed
age-days = { $d } 天

## 对话框

# unreviewed
confirm-cancel = 取消
# unreviewed
error-unexpected = 出现了界面未预料到的错误。
    .help = 请重试；如果再次出现，请叫{ -supervisor }。

## 屏幕键盘

# unreviewed
osk-show = 显示屏幕键盘
# unreviewed
osk-hide-label = 隐藏屏幕键盘
# unreviewed
osk-name = 屏幕键盘
# unreviewed
osk-hint = 先点输入框，再在这里输入。
# unreviewed
osk-space = 空格
# unreviewed
osk-delete = 删除
# unreviewed
osk-enter = 回车
# unreviewed
osk-hide = 隐藏
