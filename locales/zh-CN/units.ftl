### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 记录界面：最新记录的列表（带搜索和状态筛选），以及单条记录的详情
### （身份信息、各步骤及其耗时，主管还可看到其日志）。

## 记录列表

# 界面标题：本工站烧录过的每块板卡，最新的在前。
# （直接写出：中文无需术语的复数形式。）
# unreviewed
units-title = 记录
# 列表上方搜索框的标签。
# unreviewed
units-search = 查找{ -board }（{ -serial }、注册 ID 或{ -work-order }）
# 只显示某一状态记录的下拉框的标签。
# unreviewed
units-filter-status = 状态
# 状态下拉框的第一项：显示所有状态的记录。
# unreviewed
units-filter-any = 全部
# 状态下拉框的一项：$word 是图块上显示的状态词（通过、待定…），
# $meaning 是它的含义（“已烧录并已记录”）。
# unreviewed
units-filter-option = { $word }：{ $meaning }

## 列表的各列

# unreviewed
units-col-unit = { -unit(form: "title") }
# unreviewed
units-col-slot = { -slot(form: "title") }
# unreviewed
units-col-serial = { -serial(form: "title") }
# unreviewed
units-col-status = 状态
# 板卡在云服务（DPS）中注册时使用的名称。
# unreviewed
units-col-registration-id = 注册 ID
# unreviewed
units-col-work-order = { -work-order(form: "title") }
# 记录完成的时间（日期和时间）。
# unreviewed
units-col-finished = 完成时间
# 工站记录的失败原因。
# unreviewed
units-col-failure = 失败原因

## 单条记录详情

# 记录编号，用作链接或标题：“#17”。$unit 是记录编号。
# unreviewed
unit-number = #{ $unit }
# 读取记录详情时显示。
# unreviewed
unit-loading = 正在加载{ -unit } { $unit }…
# 返回记录列表的按钮。
# unreviewed
unit-back = ← 全部{ -unit(form: "plural") }
# 标题：“记录 #17 · 槽位 4 ·”，屏幕上其后跟着记录的状态词（通过、待定…）。
# unreviewed
unit-heading = { -unit(form: "title") } #{ $unit } · { -slot } { $slot } ·
# 显示给结果从未记录的记录（其状态词为“待定”）。
# unreviewed
unit-open-note = { -station }在锁定此{ -board }时失去了跟踪，因此结果尚未记录。把{ -board }放回任一{ -slot }并运行：{ -station }会回读它并记录为{ -pass }或{ -fail }，不会重新烧录。
# $step 是失败步骤的名称，与运行界面图块上显示的一致（“锁定板卡”）；
# $message 是工站给出的原因。
# unreviewed
unit-failed-at = 在步骤“{ $step }”失败：

## 记录的身份信息

# unreviewed
unit-identity = 身份信息
# unreviewed
unit-serial = { -serial(form: "title") }
# unreviewed
unit-product = { -product(form: "title") }
# 板卡证明自身身份的方式：对称密钥、X.509 证书或 TPM。
# unreviewed
unit-attestation = 证明方式
# 板卡在云服务（DPS）中注册时使用的名称。
# unreviewed
unit-registration-id = 注册 ID
# 板卡证书的指纹；SHA-256 是算法名称，保持不变（写在字符串字面量中）。
# unreviewed
unit-certificate-thumbprint = 证书指纹（{ "SHA-256" }）
# 证书自身的序列号（不是板卡标签上的序列号）。
# unreviewed
unit-certificate-serial = 证书序列号
# 证书序列号、证书是否仍然有效，以及有效期：
# “4F2A…（已签发，有效期至 2027-12-03 14:05:09）”。“已作废”：证书已撤回。
# unreviewed
unit-certificate-serial-value = { $serial }（{ $status ->
    [issued] 已签发
    [void] 已作废
   *[other] { $status }
}，有效期至 { $until }）
# TPM 芯片背书密钥（EK）的哈希：保留密钥名称“EK”（写在字符串字面量中）。
# unreviewed
unit-ek-hash = { "EK" } 哈希
# 板卡的注册项：它在云服务（DPS）中的记录，允许板卡连接。
# unreviewed
unit-enrollment = { -enrollment(form: "title") }
# 注册项的状态，以及工站尝试上传的次数。
# unreviewed
unit-enrollment-value = { $status ->
    [queued] 等待上传到 { -dps }
    [uploaded] 已上传到 { -dps }
    [conflict] { -dps } 中已有另一个{ -enrollment }：请查看队列界面
    [superseded] 已被之后的{ -unit }取代
    [disable_queued] 等待在 { -dps } 中禁用
    [disabled] 已在 { -dps } 中禁用
   *[other] { $status }
}（{ $attempts ->
   *[other] 已尝试 { $attempts } 次
}）
# 该记录（尚）无注册项。
# unreviewed
unit-enrollment-none = 无
# 运行该记录的人员，以及它所属的工单。
# unreviewed
unit-operator-work-order = { -operator(form: "title") } · { -work-order }
# $operator 是运行该记录的人员的工牌 ID，$workOrder 是工单。
# unreviewed
unit-operator-work-order-value = { $operator } · { $workOrder }

## 记录的各个步骤

# 步骤列表的标题，以及各步骤合计耗时。
# unreviewed
unit-steps = 步骤（{ NUMBER($ms, maximumFractionDigits: 0) } 毫秒）
# 步骤的结果。（直接写出：步骤结果没有术语。）
# unreviewed
unit-step-ok = 成功
# unreviewed
unit-step-failed = 失败
# 单个步骤的耗时，单位毫秒。
# unreviewed
unit-step-duration = { NUMBER($ms, minimumFractionDigits: 1, maximumFractionDigits: 1) } 毫秒

## 记录的日志（显示给主管）

# unreviewed
unit-log = 日志
