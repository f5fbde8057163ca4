### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 运行界面：图块、扫描框、运行汇总，以及一条记录的各个步骤。

## 运行栏

# unreviewed
run-work-order = { -work-order(form: "title") }
# unreviewed
run-work-order-none = 未设置
# unreviewed
run-product = { -product(form: "title") }
# unreviewed
run-scan-into = 把{ -serial }扫入{ -slot } { $slot }
# unreviewed
run-scan-to-start = 扫描{ -serial }以启动{ -slot } { $slot }
# unreviewed
run-scan-all-done = 每个{ -slot }都已有{ -serial }：点击图块可重新扫描
# unreviewed
run-start-all = 全部启动
# unreviewed
run-start-slot = 启动{ -slot } { $slot }
# unreviewed
run-start = 启动
# unreviewed
run-details = 详情
# “通过 30 · 失败 0 · 空 2”：各部分用 run-summary-join 连接。
# unreviewed
run-summary-pass = { -pass } { $count }
# unreviewed
run-summary-fail = { -fail } { $count }
# unreviewed
run-summary-fail-slots = { -fail } { $count }：{ -slot(form: "plural") } { $slots }
# unreviewed
run-summary-open = { -open } { $count }：{ -slot(form: "plural") } { $slots }
# unreviewed
run-summary-done = { -done } { $count }
# unreviewed
run-summary-empty = { -empty } { $count }
# unreviewed
run-summary-join = {" · "}
# unreviewed
run-list-join = {"、"}

## 工站当前无法运行的产品

# unreviewed
run-unavailable = { -product(form: "title") } { $product } 现在无法在本{ -station }运行：{ $why }
# unreviewed
run-unavailable-slots = { -product(form: "title") } { $product } 现在无法在本{ -station }运行（{ $count ->
   *[other] { $count } 个{ -slot(form: "plural") }：{ $slots }
}）：{ $why }
# unreviewed
run-unavailable-tile = { -product(form: "title") } { $product } 现在无法运行：见上方

## 图块

# unreviewed
tile-slot = { -slot(form: "title") } { $slot }
# unreviewed
tile-no-serial = 尚无{ -serial }
# unreviewed
tile-failed-at = 失败：{ $step }
# unreviewed
tile-open-help = 未判定：请重新运行此{ -board }
# unreviewed
tile-registered = 已在 { -dps } 注册：{ $hub }
# unreviewed
tile-mismatch = ≠ 已扫描 { $serial }
# unreviewed
tile-next-board = · 下一块{ -board }：{ $serial }
# unreviewed
tile-word-idle = { -ready }
# unreviewed
tile-word-queued = { -wait }
# unreviewed
tile-word-pass = { -pass }
# unreviewed
tile-word-fail = { -fail }
# unreviewed
tile-word-open = { -open }
# unreviewed
tile-word-empty = { -empty }
# unreviewed
tile-word-done = { -done }

## 扫描无处可放时扫描框显示的内容

# unreviewed
scan-duplicate = { -serial(form: "title") } { $serial } 已扫入{ -slot } { $slot }
    .help = 请扫描此{ -slot }中{ -board }的标签：一块{ -board }对应一个{ -slot }。
# unreviewed
scan-no-slot = 每个{ -slot }都已扫入{ -serial }
    .help = 点击此{ -board }所在{ -slot }的图块，然后再按回车。

## 运行没有给出槽位结果时

# unreviewed
run-no-result = { -station }没有给出此{ -slot }的结果。
    .help = 请重新运行该{ -board }。如果再次出现，请叫{ -supervisor }：日志中有原因。
# unreviewed
rework-failed = { -slot(form: "title") } { $slot } 未返工：{ $why }
    .help = 请查看运行界面上该{ -slot }的图块和该{ -unit }的详情。
# unreviewed
rework-unit-failed = { -unit }结果为失败

## 记录的各个步骤，运行时图块上显示的名称

# unreviewed
step-identify = 识别{ -board }
# unreviewed
step-read-ek = 读取{ -board }的安全芯片
# unreviewed
step-attest = 准备身份信息
# unreviewed
step-keygen = 生成{ -board }的密钥
# unreviewed
step-check-csr = 检查{ -board }的证书请求
# unreviewed
step-issue = 签发证书
# unreviewed
step-install-certificate = 安装证书
# unreviewed
step-write-settings = 写入云端设置
# unreviewed
step-save = 保存到{ -board }的存储器
# unreviewed
step-reset = 重启{ -board }
# unreviewed
step-verify = 回读设置
# unreviewed
step-lock = 锁定{ -board }
# unreviewed
step-record = 保存{ -unit }
# unreviewed
step-register = 在 { -dps } 注册
