### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 主管界面：工单、返工、批次导出、每个槽位的产品、审计日志、配置和操作员。
### 由主管和管理员阅读，因此可以比技术员界面稍微专业一些。

## 界面标题，以及给技术员的提示

# unreviewed
sup-title = { -supervisor(form: "title") }
# 技术员打开此界面时显示在控件上方：工站会拒绝这些操作。
# unreviewed
sup-needs-supervisor = 这些操作需要{ -supervisor }；{ -station }不允许{ -technician }执行。

## 工单

# unreviewed
sup-work-order = { -work-order(form: "title") }
# 工单输入框的名称，由读屏软件读出。
# unreviewed
sup-work-order-input = 新{ -work-order }
# 空输入框中显示的工单号示例；请按本厂的工单号格式填写。
# unreviewed
sup-work-order-placeholder = 工单号…
# unreviewed
sup-work-order-button = 设置{ -work-order }
# 更改工单前询问。$from：当前工单，$to：新工单。
# unreviewed
sup-work-order-confirm-change = 把{ -work-order }从 { $from } 改为 { $to }？此后烧录的每块{ -board }都记在该{ -work-order }下。
# 在原先没有工单时设置工单前询问。$to：新工单。
# unreviewed
sup-work-order-confirm-set = 把{ -work-order }设为 { $to }？此后烧录的每块{ -board }都记在该{ -work-order }下。
# 清空工单前询问。$from：当前工单。
# unreviewed
sup-work-order-confirm-clear = 清除{ -work-order } { $from }？此后烧录的每块{ -board }都不关联{ -work-order }。
# 输入框为空且当前也没有设置工单时询问。
# unreviewed
sup-work-order-confirm-clear-none = 让{ -station }在没有{ -work-order }的情况下运行？此后烧录的每块{ -board }都不关联{ -work-order }。
# 确认对话框的按钮。
# unreviewed
sup-work-order-confirm-verb = 更改{ -work-order }
# unreviewed
sup-work-order-done = { -work-order(form: "title") }已设为 { $workOrder }
# unreviewed
sup-work-order-cleared = 当前未设置{ -work-order }

## 返工

# unreviewed
sup-rework-title = 返工{ -unit }
# unreviewed
sup-rework-help = 重新烧录{ -slot }中已经通过的{ -board }；审计日志会记录此操作。
# unreviewed
sup-rework-slot-label = 要返工的{ -slot(form: "title") }
# 槽位列表中的一项。
# unreviewed
sup-slot = { -slot(form: "title") } { $slot }
# unreviewed
sup-rework-button = 返工{ -slot }
# 返工前询问，槽位中的板卡未知时。
# unreviewed
sup-rework-confirm = 返工{ -slot } { $slot }？其中的{ -board }将重新烧录，原有{ -unit }将被取代。
# 返工前询问。$board：槽位中板卡的序列号。
# unreviewed
sup-rework-confirm-board = 返工{ -slot } { $slot }（{ -board } { $board }）？其中的{ -board }将重新烧录，原有{ -unit }将被取代。
# 返工前询问。$board：槽位中板卡的序列号；$unit：其已保存记录的编号。
# unreviewed
sup-rework-confirm-unit = 返工{ -slot } { $slot }（{ -board } { $board }，{ -unit } #{ $unit }）？其中的{ -board }将重新烧录，原有{ -unit }将被取代。
# 确认对话框的按钮。
# unreviewed
sup-rework-verb = 返工
# unreviewed
sup-rework-done = { -slot(form: "title") } { $slot } 已返工：请查看运行界面

## 导出批次

# unreviewed
sup-export-title = 导出批次
# 设备运营方：在现场运行并注册这些设备的客户。
# unreviewed
sup-export-help = 交给设备运营方的已签名{ -enrollment(form: "plural") }批次。
# unreviewed
sup-export-work-order = { -work-order(form: "title") }（留空：全部）
# unreviewed
sup-export-work-order-placeholder = 所有{ -work-order }
# unreviewed
sup-export-queued-only = 仅导出尚未上传的{ -enrollment(form: "plural") }
# unreviewed
sup-export-drive = 写入到
# unreviewed
sup-export-drive-disk = 本{ -station }的磁盘
# $label：USB 盘的名称，与电脑上显示的一致。
# unreviewed
sup-export-drive-usb = USB 盘 { $label }
# unreviewed
sup-export-no-drive = 插入 USB 盘以带走批次。
# unreviewed
sup-export-button = 导出批次
# unreviewed
sup-export-busy = 正在导出…
# unreviewed
sup-export-dir = 目录
# unreviewed
sup-export-records = 条目数
# 批次文件列表的指纹；SHA-256 是算法名称，保持不变（写在字符串字面量中）。
# unreviewed
sup-export-manifest = 清单 { "SHA-256" }
# unreviewed
sup-export-certificate = 证书
# 后面跟着设备运营方在自己电脑上（不是在本工站上）输入的命令。
# unreviewed
sup-export-verify = 把目录和证书交给设备运营方；对方用以下命令校验批次：
# 导出到工站磁盘之后。
# unreviewed
sup-export-done = 已导出 { $count } 条
# 导出到 USB 盘之后：文件已写入，现在可以拔出。$drive：写入的位置。
# unreviewed
sup-export-done-drive = 已导出 { $count } 条到 { $drive }：已全部写入，可以拔出

## 每个槽位的产品

# unreviewed
sup-slots-title = 每个{ -slot }的{ -product(form: "title") }
# unreviewed
sup-slots-help = 每个{ -slot }烧录的{ -product }。更改从该{ -slot }的下一次运行起生效；选择配置中的{ -product }即可让{ -slot }恢复为配置。
# unreviewed
sup-slots-slot = { -slot(form: "title") }
# unreviewed
sup-slots-product = { -product(form: "title") }
# 列：工站配置文件为该槽位指定的产品。
# unreviewed
sup-slots-configured = 配置
# unreviewed
sup-slots-product-label = { -slot } { $slot } 的{ -product(form: "title") }
# 槽位产品列表中的一项。$attestation：板卡证明自身的方式（symmetric-key、x509、tpm），保持原样。
# unreviewed
sup-slots-product-option = { $product }（{ $attestation }）
# unreviewed
sup-slots-product-option-unavailable = { $product }（{ $attestation }）：现在无法运行
# 显示在配置产品之后，表示该槽位现在运行的是另一个产品。
# unreviewed
sup-slots-changed = （已更改）
# unreviewed
sup-slots-apply = 应用
# “应用”之后。$changes：各项更改，每项为 sup-slots-change-item，用 sup-list-join 连接。
# unreviewed
sup-slots-done = 已更改 { $count } 个{ -slot(form: "plural") }：{ $changes }
# unreviewed
sup-slots-change-item = { -slot } { $slot } 现在运行 { $product }
# unreviewed
sup-slots-none = 未更改任何{ -slot }
# unreviewed
sup-list-join = {"；"}

## 审计日志

# unreviewed
sup-audit-title = 审计日志
# unreviewed
sup-audit-button = 显示审计日志

## 配置

# unreviewed
sup-config-title = 配置（只读）
# unreviewed
sup-config-button = 显示配置

## 操作员

# unreviewed
sup-operators-title = { -operator(form: "plural-title") }
# unreviewed
sup-operators-button = 显示{ -operator(form: "plural") }
# 操作员的角色，用于列表和角色选择。
# unreviewed
sup-role-technician = { -technician }
# unreviewed
sup-role-supervisor = { -supervisor }
# unreviewed
sup-role-admin = { -admin }
# 因 PIN 输错而被锁定的操作员。$until：日期和时间。
# unreviewed
sup-operator-locked = 锁定至 { $until }
# unreviewed
sup-operator-active = 正常
# unreviewed
sup-operator-unlock = 解锁
# unreviewed
sup-operator-unlocked = { $operator } 已解锁
# unreviewed
sup-operator-id = ID
    .label = 新{ -operator }的 ID
# unreviewed
sup-operator-name = 姓名
    .label = 新{ -operator }的姓名
# unreviewed
sup-operator-role-label = 新{ -operator }的角色
# PIN：操作员登录用的个人密码。
# unreviewed
sup-operator-pin = PIN
# unreviewed
sup-operator-add = 添加{ -operator }
# unreviewed
sup-operator-added = 已添加{ -operator(form: "title") } { $operator }
# unreviewed
sup-operator-set-pin = 设置 PIN
# unreviewed
sup-operator-pin-set = 已为 { $operator } 设置 PIN
