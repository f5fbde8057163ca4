### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 应用外壳：启动、登录、带各界面入口的页头、空闲自动退出、主管就地审批、
### 离开工站，以及被锁定的账户。

## 工站启动时，以及无法启动时

# unreviewed
app-starting = 正在启动…
# unreviewed
app-start-failed = { -station }无法启动
# 显示在失败原因下方。“重试”即 app-start-retry。
# unreviewed
app-start-failed-help = 排除上方的原因（或叫{ -line }工程师来看此画面），然后按“重试”。
# unreviewed
app-start-retry = 重试
# 工站尝试重新启动时，显示在“重试”按钮上。
# unreviewed
app-start-trying = 正在重试…
# unreviewed
app-start-tries = 已重试 { $count } 次：原因仍然存在。

## 登录界面

# 显示在工站名称下方：它运行的治具和工站 ID。
# unreviewed
app-login-fixture = { -fixture(form: "title") } { $fixture } · { -station } { $station }
# 同上，用于软件模拟的治具（用于测试，没有真实板卡）。
# unreviewed
app-login-fixture-virtual = { -fixture(form: "title") } { $fixture }（虚拟）· { -station } { $station }
# unreviewed
app-login-badge = { -operator(form: "title") } ID（扫描工牌）
# 扫描工牌后输入的个人密码。
# unreviewed
app-pin = PIN
# unreviewed
app-login = 登录
# unreviewed
app-logged-out-idle = { -station }一段时间无人使用，已自动退出登录。请重新登录以继续。

## 页头：各界面、当前登录的人员，以及离开的按钮

# unreviewed
app-nav-run = 运行
# 作为界面名称的“记录”：这里烧录过的每条记录，供查询。
# unreviewed
app-nav-units = 记录
# unreviewed
app-nav-queue = 队列与上传
# 显示有多少板卡通过和失败的界面。
# unreviewed
app-nav-yield = 良率
# unreviewed
app-nav-supervisor = { -supervisor(form: "title") }
# 技术员看到的“主管”界面按钮：按下后请主管审批。
# “（审批）”要短：导航栏空间很小。
# unreviewed
app-nav-supervisor-approval = { -supervisor(form: "title") }（审批）
# unreviewed
app-work-order = { -work-order(form: "title") }：{ $workOrder }
# unreviewed
app-work-order-none = { -work-order(form: "title") }：未设置
# 当前登录的人员及其角色，例如“张三（技术员）”。
# unreviewed
app-operator = { $name }（{ $role ->
    [supervisor] { -supervisor }
    [admin] { -admin }
   *[technician] { -technician }
}）
# unreviewed
app-logout = 退出登录
# 关闭工站程序（会先确认）。
# unreviewed
app-exit = 退出程序

## 空闲自动退出

# unreviewed
app-idle-countdown = { $seconds } 秒后将退出登录：触摸屏幕或按任意键可保持登录。

## 主管在技术员的会话中审批

# $name 和 $id：进行审批的主管；$user：当前登录的人员，保持登录。
# unreviewed
app-approval-banner = { -supervisor(form: "title") } { $name }（{ $id }）正在 { $user } 的会话中审批：此时的操作都记录在 { $id } 名下。
# 结束主管审批；技术员保持登录。
# unreviewed
app-approval-end = 完成
# unreviewed
app-approve-title = 由{ -supervisor }审批
# unreviewed
app-approve-help = 这些操作需要{ -supervisor }。请{ -supervisor }在此扫描工牌并输入 PIN；您保持登录状态。
# unreviewed
app-approve-badge = { -supervisor(form: "title") } ID（扫描工牌）
# unreviewed
app-approve = 批准

## 离开工站（关闭程序）

# unreviewed
app-exit-title = 离开{ -station }
# unreviewed
app-exit-needs-supervisor = 关闭{ -station }需要{ -supervisor }的 ID 和 PIN。
# unreviewed
app-exit-badge = { -supervisor(form: "title") } ID
# unreviewed
app-exit-confirm = 关闭{ -station }

## PIN 输错后被锁定的账户（显示给主管）

# $name 和 $id：被锁定账户的人员；$count：连续输错 PIN 的次数。
# unreviewed
app-lock-until-unlocked = { $name }（{ $id }）因连续 { $count ->
   *[other] { $count } 次 PIN 错误
}已被锁定，需{ -supervisor }解锁
# $until：锁定自动结束的日期和时间（2026-12-03 14:05:09）。
# unreviewed
app-lock-until = { $name }（{ $id }）因连续 { $count ->
   *[other] { $count } 次 PIN 错误
}已被锁定，至 { $until } 自动解锁
# unreviewed
app-unlock = 解锁

## 登录时选择界面语言（每个按钮用该语言自己的名称显示）

# unreviewed
app-language = 语言
