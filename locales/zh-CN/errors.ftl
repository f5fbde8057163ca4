### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 技术员看到的每个错误代码的说明：简短标签、发生了什么（.says）和一个处理动作（.todo）。

# unreviewed
err-app-not_started = { -station }未能启动
    .says = { -station }界面已打开，但后台的{ -station }没有启动。启动界面上显示了原因。
    .todo = 请叫产线工程师来查看启动界面。

# unreviewed
err-attest-no_group_key = 未加载组密钥
    .says = { -station }没有此{ -product }的组密钥，因此无法生成{ -board }的密钥。尚未向{ -board }写入任何内容。
    .todo = 请叫产线工程师：{ -station }上未安装该{ -product }的组密钥。

# unreviewed
err-audit-bad_head = 无法识别审计核对的参照值
    .says = 审计日志核对收到了一个无法读取的参照值。未进行任何核对。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-audit-head_mismatch = 审计日志已被改动
    .says = 审计日志与保存在{ -station }之外的记录不再一致。有条目在{ -station }之外被删除或改写。
    .todo = 请保持{ -station }原样，并立即叫{ -supervisor }：审计日志已被改动。

# unreviewed
err-audit-line_copy_broken = 产线上的审计日志副本已被改动
    .says = 产线共享的本{ -station }审计日志副本已被改动。{ -station }自身的审计日志会另行核对。
    .todo = 请叫{ -supervisor }：产线数据库中的审计日志副本已被改动。

# unreviewed
err-auth-not_allowed = 您的角色无权执行此操作
    .says = 您的角色不允许执行此操作。未做任何更改。
    .todo = 请{ -supervisor }来执行此操作。

# unreviewed
err-auth-not_logged_in = 未登录
    .says = 当前没有人登录{ -station }，因此未执行此操作。
    .todo = 请扫描工牌并输入 PIN，然后重试。

# unreviewed
err-auth-session_expired = 因长时间未操作已退出登录
    .says = { -station }一段时间无人使用，已自动退出登录。未执行任何操作。
    .todo = 请扫描工牌并输入 PIN，然后重试。

# unreviewed
err-bug-revocation = { -station }在保护证书时出错
    .says = { -station }无法保存日后作废此{ -board }证书所需的记录，因此该{ -board }没有获得证书，结果为{ -fail }。这是{ -station }的故障，不是{ -board }的问题。
    .todo = 请叫产线工程师：{ -station }报告了软件故障。

# unreviewed
err-bug-slot_thread = { -station }无法运行该{ -slot }
    .says = { -station }未能运行此{ -slot }，因此其中的{ -board }未经烧录就被判为{ -fail }。{ -board }本身没有问题。
    .todo = 请重新运行该{ -slot }。

# unreviewed
err-bug-task = { -station }任务意外停止
    .says = { -station }程序的一部分在完成工作前停止了。这是{ -station }的故障。
    .todo = 请叫{ -supervisor }重启{ -station }。

# unreviewed
err-bug-tpm = { -station }在安全芯片步骤出错
    .says = { -station }未按顺序进入安全芯片步骤，因此该{ -board }失败。这是{ -station }的故障，不是{ -board }的问题。
    .todo = 请叫产线工程师：{ -station }报告了软件故障。

# unreviewed
err-ca-crl = 未写入已作废证书列表
    .says = { -station }无法生成或保存已作废证书的列表。
    .todo = 请叫产线工程师：无法写入已作废证书列表。

# unreviewed
err-ca-decrypt = 无法解锁签名密钥
    .says = { -station }无法解锁用于签发证书的密钥：密码错误或密钥文件已损坏。无法为此{ -product }签发证书。
    .todo = 请叫产线工程师：无法解锁签名密钥。

# unreviewed
err-ca-exists = 已安装签名证书
    .says = 已经安装了签名证书，因此新的证书没有覆盖它。未做任何更改。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-ca-key_into_token = 密钥无法放入安全设备
    .says = 保存签名密钥的安全设备不接受从外部导入的密钥。未安装任何内容。
    .todo = 请叫产线工程师：签名密钥必须在安全设备内部生成。

# unreviewed
err-ca-key_mismatch = 签名密钥与其证书不匹配
    .says = 签名密钥与签名证书不是一对，因此无法为此{ -product }签发证书。
    .todo = 请叫产线工程师：签名密钥与证书不匹配。

# unreviewed
err-ca-missing = 缺少签名证书或密钥
    .says = { -station }用于签发证书的文件缺失或无法读取，因此无法为此{ -product }签发证书。
    .todo = 请叫产线工程师：缺少签名证书或密钥。

# unreviewed
err-ca-module = 安全设备软件未能加载
    .says = { -station }无法加载保存签名密钥的安全设备所需的软件，因此无法签发证书。
    .todo = 请叫产线工程师：安全设备的软件未能加载。

# unreviewed
err-ca-no_key = 未提供要安装的签名密钥
    .says = 要安装签名证书，但没有找到或提供密钥。未安装任何内容。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-ca-no_passphrase = 未设置密钥密码
    .says = 未提供要安装的密钥的密码，因此无法读取该密钥。未安装任何内容。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-ca-no_x509_product = 没有设置使用证书的{ -product }
    .says = 此操作需要一个使用证书的{ -product }，但本{ -station }没有设置。
    .todo = 请叫产线工程师：没有设置使用证书的{ -product }。

# unreviewed
err-ca-pkcs11 = 安全设备拒绝签名
    .says = 保存签名密钥的安全设备返回了错误，通常是 PIN 错误或连接中断。无法签发证书。
    .todo = 请叫产线工程师：签发证书的安全设备拒绝了操作。

# unreviewed
err-ca-secret = 无法获取签名密钥的密码或 PIN
    .says = { -station }无法获取解锁签名密钥的密码或 PIN，因此无法签发证书。
    .todo = 请叫产线工程师：缺少签名密钥的密码或 PIN。

# unreviewed
err-ca-token = 未找到安全设备或签名密钥
    .says = { -station }没有找到其安全设备或设备中的签名密钥，因此无法签发证书。
    .todo = 请叫产线工程师：未找到安全设备或其签名密钥。

# unreviewed
err-ca-unusable = 签名证书无法使用
    .says = { -station }的签名证书或密钥无法使用，因此无法签发证书。
    .todo = 请叫产线工程师：签名证书无法使用。

# unreviewed
err-ca-which_product = 未选择{ -product }
    .says = 有多个{ -product }使用证书，但没有指明使用哪一个。未执行任何操作。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-claim-voided = { -board }已被{ -supervisor }声明为无法找回
    .says = { -supervisor }已将这块未完成的{ -board }声明为无法找回，因此其{ -unit }判为{ -fail }，证书已作废。
    .todo = 如果找到该{ -board }，请送去返工。

# unreviewed
err-claims-no_operator = 需要{ -supervisor } ID
    .says = 决定未完成{ -board }的处理方式需要{ -supervisor }的 ID，但未提供。未做任何更改。
    .todo = 请叫{ -supervisor }来做决定。

# unreviewed
err-claims-no_reason = 未填写{ -board }丢失的原因
    .says = 只有填写原因才能将{ -board }声明为无法找回，但未填写原因。未做任何更改。
    .todo = 请填写{ -board }无法找回的原因（报废、丢失或已发货），然后再次确认。

# unreviewed
err-config-inline_secret = 配置中直接写入了机密信息
    .says = { -station }的配置中直接写入了密码、密钥或 PIN，出于安全考虑，{ -station }拒绝使用。
    .todo = 请叫产线工程师：{ -station }的配置中写入了机密信息。

# unreviewed
err-config-invalid = 配置有错误
    .says = { -station }配置中的一些设置相互矛盾，因此{ -station }无法使用该配置。
    .todo = 请叫产线工程师：{ -station }的配置有错误。

# unreviewed
err-config-invalid_value = 配置设置的值不可接受
    .says = { -station }配置中某个设置的值不被允许。
    .todo = 请叫产线工程师：某个配置设置的值有误。

# unreviewed
err-config-missing_key = 缺少配置设置
    .says = { -station }的配置中缺少一个必需的设置。
    .todo = 请叫产线工程师：缺少一个配置设置。

# unreviewed
err-config-read = 无法显示配置
    .says = { -station }无法读取其配置文件来显示。
    .todo = 请叫产线工程师：{ -station }无法读取其配置文件。

# unreviewed
err-config-syntax = 配置文件有书写错误
    .says = { -station }的配置文件中文字有误，因此{ -station }无法读取。
    .todo = 请叫产线工程师：配置文件有书写错误。

# unreviewed
err-config-unknown_key = 配置中有未知设置
    .says = { -station }的配置中有一个{ -station }不认识的设置，通常是拼写错误。
    .todo = 请叫产线工程师：配置中有未知设置。

# unreviewed
err-config-unknown_value = 配置中有未知的值
    .says = { -station }配置中某个设置的值{ -station }不认识。
    .todo = 请叫产线工程师：某个配置设置的值无法识别。

# unreviewed
err-config-unreadable = 找不到或无法读取配置文件
    .says = { -station }找不到或无法打开其配置文件。
    .todo = 请叫产线工程师：无法读取{ -station }的配置文件。

# unreviewed
err-config-unsafe_file = 配置文件未受保护
    .says = 配置文件或存放密码、密钥的文件可以被无权人员修改，因此{ -station }拒绝使用。
    .todo = 请叫产线工程师：有配置文件未受保护。

# unreviewed
err-config-wrong_type = 配置设置的值类型错误
    .says = { -station }配置中某个设置的值类型错误，例如应为数字却写了文字。
    .todo = 请叫产线工程师：某个配置设置的值类型错误。

# unreviewed
err-demo-allocation_hook = 演示分配服务未能启动
    .says = 演示无法启动决定{ -board }注册去向的本地服务，因此没有运行。
    .todo = 请叫产线工程师：演示无法启动。

# unreviewed
err-demo-dps_local = 演示 { -dps } 未能启动
    .says = 演示无法启动本地的 { -dps } 替代服务，因此没有上传任何内容。
    .todo = 请叫产线工程师：演示无法启动。

# unreviewed
err-demo-fixture = 虚拟{ -fixture }未能启动
    .says = 演示无法启动其模拟的{ -fixture }和{ -board }。
    .todo = 请叫产线工程师：演示无法启动。

# unreviewed
err-demo-line_db = 演示产线数据库未能启动
    .says = 产线演示无法启动其临时产线数据库，因此没有运行。
    .todo = 请叫产线工程师：演示无法启动。

# unreviewed
err-demo-line_size = 演示产线规模不正确
    .says = 演示产线要求的规模超出允许范围。未启动任何内容。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-demo-no_fixture = 演示未设置虚拟{ -fixture }
    .says = 演示配置中没有说明如何连接其模拟{ -fixture }，因此无法启动。
    .todo = 请叫产线工程师：演示配置不完整。

# unreviewed
err-demo-not_enrolled = 演示 { -dps } 中缺少结果为{ -pass }的{ -unit }
    .says = 演示上传后，在其本地 { -dps } 中找不到部分结果为{ -pass }的{ -unit }，或找到的信息不一致。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-demo-not_registered = 演示{ -board }未能注册或未连上 IoT 中心
    .says = 在演示中，部分已烧录的{ -board }没有在其本地 { -dps } 注册，或没有连上其 IoT 中心。
    .todo = 请叫产线工程师。

# unreviewed
err-demo-programs = 缺少演示程序
    .says = 这台电脑上没有安装演示所需的程序，因此演示在开始前就停止了。
    .todo = 请叫产线工程师：缺少演示所需的程序。

# unreviewed
err-demo-tpm_ca = 演示设置失败
    .says = 演示无法为其{ -board(form: "plural") }准备模拟的安全芯片，因此演示无法运行。
    .todo = 请叫产线工程师：演示所需的安全芯片软件缺失。

# unreviewed
err-dut-locked = { -board(form: "title") }已锁定
    .says = 此{ -board }已经锁定，不能再次烧录。它被判为{ -fail }，没有向它写入任何内容。
    .todo = 把{ -board }送去返修，以便解锁。

# unreviewed
err-dut-missing_capability = { -board(form: "title") }与此{ -product }不符
    .says = 此{ -board }不具备该{ -product }所需的功能；可能是此{ -slot }的{ -board }或{ -product }不对。该{ -board }被判为{ -fail }，没有向它写入任何内容。
    .todo = 请确认此{ -board }与此{ -slot }显示的{ -product }相符。

# unreviewed
err-explain-unknown = 不是错误代码
    .says = 输入的内容不是{ -station }认识的错误代码。
    .todo = 请按消息中显示的样子准确复制错误代码。

# unreviewed
err-export-bad_payload = 已保存的注册项已损坏
    .says = 部分待导出的注册项已损坏，说明{ -station }的数据被外部改动过。没有导出任何内容。
    .todo = 请叫{ -supervisor }：{ -station }的数据被外部改动过。

# unreviewed
err-export-bad_recipient = 设备运营方的密钥无效
    .says = 为设备运营方设置的某个密钥无效，因此无法为其保护该批次。没有导出任何内容。
    .todo = 请叫产线工程师：设备运营方的导出密钥无效。

# unreviewed
err-export-drive_write = 导出到 USB 盘失败
    .says = 批次无法写入 USB 盘：它可能已满、处于写保护状态或已被拔出。盘上的内容不完整。
    .todo = 不要使用这份副本：请确认 USB 盘有剩余空间且未写保护，然后重新导出。

# unreviewed
err-export-empty = 没有可导出的内容
    .says = 没有注册项符合所选的{ -work-order }或时间范围，因此没有导出任何内容。
    .todo = 请检查{ -work-order }和时间范围，然后重新导出。

# unreviewed
err-export-io = 无法写入导出内容
    .says = 批次无法写入所选文件夹，可能是磁盘已满。导出不完整。
    .todo = 请叫{ -supervisor }：导出内容无法写入磁盘。

# unreviewed
err-export-no_drive = 未插入 USB 盘
    .says = 为导出选择的 USB 盘已不在，因此没有写入任何内容。
    .todo = 重新插入 USB 盘，等它出现在列表中后再导出。

# unreviewed
err-export-no_upload_section = 没有导出签名密钥
    .says = { -station(form: "title") }没有用于导出的签名密钥，因此无法导出批次。
    .todo = 请叫产线工程师：{ -station }的导出签名密钥未设置。

# unreviewed
err-export-output_not_empty = 导出文件夹不是空的
    .says = 所选文件夹中已有文件，而导出从不覆盖文件。没有写入任何内容。
    .todo = 请为导出选择一个新的空文件夹。

# unreviewed
err-export-seal_io = 无法写入受保护的批次
    .says = 批次已签名，但无法写入其受保护的副本，可能是磁盘已满。没有导出任何内容，{ -station }上留下了一个残留文件夹。
    .todo = 请叫{ -supervisor }：导出失败，留下的文件夹必须删除。

# unreviewed
err-export-sealed_for_others = 设备密钥是为他人保护的
    .says = 此批次中部分注册项的设备密钥是为设备运营方以外的人保护的，设备运营方无法打开。没有导出任何内容。
    .todo = 请叫产线工程师：这些注册项必须上传到 { -dps }，不能导出。

# unreviewed
err-export-signing_key = 导出签名密钥不可用
    .says = 无法加载{ -station }的导出签名密钥或其证书，因此没有导出任何内容。
    .todo = 请叫产线工程师：{ -station }的导出签名密钥不可用。

# unreviewed
err-fixture-virtual = 虚拟{ -fixture }未启动
    .says = { -station(form: "title") }内置的虚拟{ -fixture }及其模拟{ -board(form: "plural") }未能启动。
    .todo = 请叫产线工程师：{ -station }的虚拟{ -fixture }未启动。

# unreviewed
err-identify-bad_board_string = { -board(form: "title") }报告的身份信息有误
    .says = { -board(form: "title") }报告的{ -serial }、型号或版本为空、过长或含有不允许的字符。该{ -board }被判为{ -fail }，没有向它写入任何内容。
    .todo = 把{ -board }从{ -fixture }上取下并送去返修：其固件报告的身份信息有误。

# unreviewed
err-identify-serial_mismatch = 扫描的{ -serial }与{ -board }不符
    .says = 此{ -slot }中的{ -board }报告的{ -serial }与为它扫描的标签不同：{ -board }可能被调换过，或标签扫入了错误的{ -slot }。该{ -board }被判为{ -fail }。
    .todo = 请确认此{ -slot }中是哪块{ -board }，扫描它自己的标签，然后重新运行此{ -slot }。

# unreviewed
err-identity-bad_registration_id = 无法生成注册 ID
    .says = { -station(form: "title") }无法用此{ -board }的{ -serial }生成有效的注册 ID：该{ -serial }过长或含有不允许的字符。该{ -board }被判为{ -fail }，没有向它写入任何内容。
    .todo = 请叫产线工程师：此{ -serial }无法生成注册 ID。

# unreviewed
err-import-already_imported = 批次已导入过
    .says = 此批次已导入过 { -dps }。再次导入可能会恢复被有意删除的设备，因此没有发送任何内容。
    .todo = 请叫{ -supervisor }：此批次已导入过。

# unreviewed
err-import-incomplete = 导入遗漏了注册项
    .says = 导入 { -dps } 已结束，但部分注册项被拒绝、存在冲突或未导入。
    .todo = 请叫{ -supervisor }解决冲突，然后重新运行导入。

# unreviewed
err-import-journal = 导入进度文件不可用
    .says = 导入用于保存进度的文件无法读取或写入，或者它属于另一个批次。
    .todo = 请叫{ -supervisor }：导入进度文件不可用。

# unreviewed
err-import-no_target = 未选择导入的 { -dps } 服务
    .says = 导入没有指定要把批次发送到哪个 { -dps } 服务。
    .todo = 请叫{ -supervisor }：导入需要指定 { -dps } 服务。

# unreviewed
err-import-other_journal = 另一次导入的进度文件
    .says = 导入的进度文件属于另一个批次或另一个 { -dps } 服务。
    .todo = 请叫{ -supervisor }：导入需要新的进度文件。

# unreviewed
err-import-registry = 已完成导入的列表不可用
    .says = 记载已完成导入的文件无法读取或写入，因此无法判断此批次是否已导入过。
    .todo = 请叫{ -supervisor }：无法读取已完成导入的列表。

# unreviewed
err-import-sealed = 受保护的设备密钥未能打开
    .says = 批次中含有受保护的设备密钥，但无法打开，或打开的密钥与其注册项不符。
    .todo = 请叫{ -supervisor }，在其检查之前不要导入此批次。

# unreviewed
err-import-stopped = 导入已停止
    .says = 导入在所有注册项进入 { -dps } 之前被停止。{ -dps } 已收到的内容会保留。
    .todo = 重新运行同一导入：它会从停止处继续。

# unreviewed
err-kiosk-slots_running = 无法关闭：{ -slot(form: "plural") }仍在运行
    .says = 有{ -slot(form: "plural") }仍在烧录时要求关闭{ -station }，因此{ -station }保持打开。
    .todo = 等到每个图块都显示{ -pass }或{ -fail }，然后关闭{ -station }。

# unreviewed
err-line-empty_work_order = { -work-order(form: "title") }为空
    .says = 给出的{ -work-order }为空。没有做任何更改。
    .todo = 输入{ -work-order }的 ID 后重试。

# unreviewed
err-line-no_operator = 更改产线设置需要{ -supervisor }
    .says = 更改{ -work-order }或{ -slot }的{ -product }会被记录，需要{ -supervisor }的 ID，但没有提供。没有做任何更改。
    .todo = 请叫{ -supervisor }用其 ID 进行更改。

# unreviewed
err-line-unknown_product = 未知{ -product }
    .says = 要把{ -slot }设为{ -station }不认识的{ -product }。没有做任何更改。
    .todo = 请叫{ -supervisor }：此{ -product }未在{ -station }上设置。

# unreviewed
err-line-unknown_slot = 未知{ -slot }
    .says = 给出的{ -slot }编号不在此{ -fixture }上。没有做任何更改。
    .todo = 请使用此{ -fixture }上显示的{ -slot }编号。

# unreviewed
err-linedb-bad_role = 产线数据库登录被拒绝
    .says = { -station(form: "title") }的 ID 或密码无法用于登录产线数据库。
    .todo = 请叫产线工程师：{ -station }的产线数据库登录信息无效。

# unreviewed
err-linedb-error = 产线数据库拒绝了请求
    .says = 产线数据库返回了错误。如果当时有{ -board }正在运行，它被判为{ -fail }，没有向它写入任何内容。
    .todo = 请叫产线工程师：产线数据库报告了错误。

# unreviewed
err-linedb-held = { -board(form: "title") }已被另一个{ -station }占用
    .says = 产线数据库显示另一个{ -station }已有此{ -board }的{ -serial }或身份信息。该{ -board }被判为{ -fail }，没有对它做任何不可恢复的操作。
    .todo = 把{ -board }放到一边，然后叫{ -supervisor }：产线上已有此{ -serial }。

# unreviewed
err-linedb-migrate = 产线数据库需要更新
    .says = { -station(form: "title") }无法把产线数据库更新到最新，因此无法使用它。
    .todo = 请叫产线工程师：产线数据库需要处理。

# unreviewed
err-linedb-no_admin = 未设置产线管理员登录
    .says = 此操作需要产线的管理员登录信息，而{ -station }没有。
    .todo = 请叫{ -supervisor }：只有{ -supervisor }能执行此操作。

# unreviewed
err-linedb-no_conflict = 没有这个未解决的冲突
    .says = 给出的冲突编号不是未解决的冲突：它已解决或从未存在。没有做任何更改。
    .todo = 请从良率界面的列表中选取冲突编号。

# unreviewed
err-linedb-no_note = 解决冲突需要 ID 和备注
    .says = 解决产线冲突会被记录，需要{ -supervisor }的 ID 以及对{ -board(form: "plural") }所做处理的备注。没有做任何更改。
    .todo = 请附上{ -supervisor }的 ID 和备注，重新解决该冲突。

# unreviewed
err-linedb-not_configured = { -station(form: "title") }未设置产线
    .says = 此操作需要产线数据库，而{ -station }未设置使用产线数据库。
    .todo = 请叫产线工程师：{ -station }未设置产线数据库。

# unreviewed
err-linedb-password = 缺少产线数据库密码
    .says = { -station(form: "title") }找不到产线数据库的密码。
    .todo = 请叫产线工程师：此{ -station }缺少产线数据库密码。

# unreviewed
err-linedb-quota_exhausted = { -work-order(form: "title") }配额已用完
    .says = 此{ -work-order }允许的证书已全部分配出去，或该{ -work-order }已关闭，因此本{ -station }无法再获得证书。
    .todo = 请叫{ -supervisor }：{ -work-order }已完成，或需要提高其配额。

# unreviewed
err-linedb-tls = 产线数据库证书不可用
    .says = { -station(form: "title") }无法读取安全连接产线数据库所需的证书。
    .todo = 请叫产线工程师：此{ -station }上的产线数据库证书不可用。

# unreviewed
err-linedb-unknown_work_order = 产线上没有此{ -work-order }
    .says = 产线数据库中没有这个{ -work-order }。
    .todo = 请检查{ -work-order }的 ID 并重新输入。

# unreviewed
err-linedb-unreachable = 无法连接产线数据库
    .says = { -station(form: "title") }无法连接产线数据库，或连接已断开。如果当时有{ -board }正在运行，它被判为{ -fail }，没有向它写入任何内容。
    .todo = 请检查{ -station }的网线，然后重新运行此{ -slot }。

# unreviewed
err-linedb-wrong_role = 产线数据库登录信息错误
    .says = { -station(form: "title") }用不属于自己的登录信息登录了产线数据库；每个{ -station }都有自己的登录信息。
    .todo = 请叫产线工程师：{ -station }的产线数据库登录信息错误。

# unreviewed
err-link-closed = { -slot(form: "title") }端口未打开
    .says = { -station(form: "title") }尝试与{ -board }通信，但{ -slot }的连接未打开。该{ -board }被判为{ -fail }。
    .todo = 重新运行此{ -slot }；如果再次出现，请叫产线工程师。

# unreviewed
err-link-disconnected = { -board(form: "title") }已断开连接
    .says = 某个步骤进行中，与{ -board }的连接中断：{ -board }松动、线缆脱落或{ -board }重启了。该{ -board }被判为{ -fail }。
    .todo = 请确认{ -board }已放好、线缆已插好，然后重新运行此{ -slot }。

# unreviewed
err-link-io = 与{ -board }的通信失败
    .says = 通过{ -slot }的连接向{ -board }发送或读取数据失败。该{ -board }被判为{ -fail }。
    .todo = 重新插好 USB 线，然后重新运行此{ -slot }。

# unreviewed
err-link-open_failed = 无法打开{ -slot }端口
    .says = { -station(form: "title") }无法打开{ -slot }的连接：{ -fixture }线缆可能脱落，或有其他程序正在使用它。没有对{ -board }做任何操作。
    .todo = 请检查{ -fixture }线缆；如果已插好，请叫产线工程师。

# unreviewed
err-lock-unconfirmed = { -board }未确认锁定
    .says = { -board }收到锁定指令后没有应答，可能已锁定，也可能没有。在重新运行之前它显示为{ -open }：既不是{ -pass }也不是{ -fail }。
    .todo = 请把同一块{ -board }放回任一{ -slot }并重新运行。

# unreviewed
err-login-failed = 操作员 ID 或 PIN 错误
    .says = 操作员 ID 或 PIN 不正确，{ -station }不会说明是哪一个。错误次数过多会锁定账户。
    .todo = 请重新扫描工牌并重新输入 PIN。

# unreviewed
err-login-locked = 操作员已被锁定
    .says = PIN 输错次数过多，此账户已被锁定，直到所示时间为止。
    .todo = 请叫{ -supervisor }为您的账户解锁。

# unreviewed
err-operators-bad_language = 未知的语言
    .says = 为{ -operator }指定的语言不是本{ -station }支持的语言。未做任何更改。
    .todo = 请选择英语、中文或西班牙语。

# unreviewed
err-operators-exists = 操作员 ID 已被占用
    .says = 已有使用此 ID 的操作员，因此没有添加任何人。
    .todo = 请为新操作员另选一个 ID。

# unreviewed
err-operators-first_admin = 尚未设置操作员
    .says = 本{ -station }还没有任何操作员。第一个操作员是管理员，只能由产线工程师在这台电脑上添加。
    .todo = 请叫产线工程师：{ -station }需要添加第一个管理员。

# unreviewed
err-operators-hash = 无法核对已保存的 PIN
    .says = 此操作员保存的 PIN 已损坏，{ -station }无法核对。
    .todo = 请叫{ -supervisor }：需要由管理员为此操作员重新设置 PIN。

# unreviewed
err-operators-invalid_id = 操作员 ID 无效
    .says = 操作员 ID 含有不允许的字符，或者太长。没有做任何更改。
    .todo = 请只使用字母、数字、点、连字符和下划线，最多 64 个字符。

# unreviewed
err-operators-no_operator = 更改操作员需要管理员
    .says = 添加操作员或设置 PIN 需要管理员批准，解锁需要{ -supervisor }批准。未获批准，因此没有做任何更改。
    .todo = 请叫{ -supervisor }或管理员扫描工牌并输入 PIN 进行批准。

# unreviewed
err-operators-no_pin = 未输入 PIN
    .says = 此操作需要 PIN，但没有输入。没有做任何更改。
    .todo = 请输入 PIN 后重试。

# unreviewed
err-operators-unknown = 没有此操作员
    .says = 没有操作员使用此 ID。没有做任何更改。
    .todo = 请在操作员列表中核对 ID 后重试。

# unreviewed
err-operators-unknown_role = 未知的操作员角色
    .says = 角色必须是{ -technician }、{ -supervisor }或管理员。没有做任何更改。
    .todo = 请选择{ -technician }、{ -supervisor }或管理员作为角色。

# unreviewed
err-operators-weak_pin = PIN 不符合规则
    .says = PIN 必须是 4 到 12 位数字，因此未设置此 PIN。
    .todo = 请选择一个 4 到 12 位数字的 PIN。

# unreviewed
err-ports-discovery = 无法列出端口
    .says = { -station }无法列出电脑的端口和 USB 设备，因此无法判断哪块{ -board }在哪个{ -slot }中。
    .todo = 请叫产线工程师：{ -station }看不到它的端口。

# unreviewed
err-queue-no_conflict = 此 ID 没有上传冲突
    .says = 此注册 ID 没有上传冲突，因此没有做任何更改。
    .todo = 请从“队列与上传”界面的冲突列表中选择注册 ID。

# unreviewed
err-queue-no_operator = 处理冲突需要{ -supervisor }
    .says = 对上传冲突的处理会记录在{ -supervisor }的 ID 名下，但没有提供该 ID。没有做任何更改。
    .todo = 请叫{ -supervisor }来处理该冲突。

# unreviewed
err-record-encode = 无法准备注册项
    .says = { -station }无法为此{ -board }准备待上传的注册项，因此该{ -unit }判为{ -fail }。这是{ -station }软件的故障。
    .todo = 请叫产线工程师：{ -station }软件出现故障。

# unreviewed
err-record-no_unit = { -unit }缺失
    .says = { -station }需要此{ -board }的{ -unit }，但从未保存过，因此该{ -unit }判为{ -fail }。这是{ -station }软件的故障。
    .todo = 请叫产线工程师：{ -station }软件出现故障。

# unreviewed
err-record-seal = 无法保护设备密钥
    .says = { -station }无法把{ -board }的新密钥加密保存，因此没有保存任何内容，该{ -unit }判为{ -fail }。
    .todo = 请叫产线工程师：用于保护设备机密的密钥有误。

# unreviewed
err-recover-mismatch = { -board }与其{ -unit }不符
    .says = 这块未完成的{ -board }中的内容与{ -station }写入的不一致：某项设置、证书或密钥不同。该{ -unit }判为{ -fail }，不会为它排队任何数据。
    .todo = 请把{ -board }送去返工。

# unreviewed
err-register-bad_answer = { -board }的注册应答有误
    .says = { -board }对注册检查的应答没有意义。它原已{ -pass }，现在判为{ -fail }，其证书作废。
    .todo = 请把{ -board }送去返工：其固件的注册步骤有故障。

# unreviewed
err-register-conflict = 注册项冲突，无法注册
    .says = { -dps } 中已有此{ -board }的另一个注册项，因此没有注册。它原已{ -pass }，现在判为{ -fail }，其证书作废。
    .todo = 请叫{ -supervisor }在“队列与上传”界面处理该冲突。

# unreviewed
err-register-no_network = { -board }在此没有网络
    .says = { -board }在此{ -fixture }上没有网络，因此无法在 { -dps } 注册。它原已{ -pass }，现在判为{ -fail }，其证书作废。
    .todo = 请叫产线工程师：此{ -fixture }上的{ -board(form: "plural") }没有网络。

# unreviewed
err-register-not_uploaded = 注册项未及时上传
    .says = { -board }的注册项没有及时到达 { -dps }，因此{ -board }无法注册。它原已{ -pass }，现在判为{ -fail }，其证书作废。
    .todo = 请叫{ -supervisor }：上传程序可能没有运行。

# unreviewed
err-register-refused = { -dps } 拒绝了{ -board }的注册
    .says = { -board }请求在 { -dps } 注册，被 { -dps } 拒绝。它原已{ -pass }，现在判为{ -fail }，其证书作废。
    .todo = 请把{ -board }送去返工。

# unreviewed
err-register-stopped = 注册前已停止
    .says = { -board }等待注册时，{ -station }被停止了。它原已{ -pass }，现在判为{ -fail }，其证书作废。
    .todo = 等{ -station }重新运行后，请把{ -board }送去返工。

# unreviewed
err-register-superseded = 注册项在上传前已被取代
    .says = 此注册项上传之前，{ -board }已被返工，因此这条{ -unit }判为{ -fail }。
    .todo = 请重新运行该{ -board }。

# unreviewed
err-register-unreachable = { -board }无法连接 { -dps }
    .says = { -board }尝试注册，但无法通过{ -fixture }的网络连接 { -dps }。它原已{ -pass }，现在判为{ -fail }，其证书作废。
    .todo = 请叫产线工程师：{ -fixture }的网络无法连接 { -dps }。

# unreviewed
err-run-closing = { -station }正在关闭
    .says = { -station }正在关闭：运行中的{ -slot(form: "plural") }正在停止，不会开始新的运行。
    .todo = 请等{ -station }关闭后再重新启动它。

# unreviewed
err-run-initial_twin = { -product }的初始云端设置不可用
    .says = 某个{ -product }的初始云端设置有误，因此无法开始运行。
    .todo = 请叫产线工程师：{ -product }的初始云端设置有误。

# unreviewed
err-run-no_operator = 未指定操作员
    .says = 每次运行都要记录启动它的操作员，但没有提供。没有启动任何{ -board }。
    .todo = 请重新登录，然后开始运行。

# unreviewed
err-run-no_port = { -slot }没有端口
    .says = 有一个{ -slot }没有对应电脑的任何端口，因此无法开始运行。
    .todo = 请叫产线工程师：有一个{ -slot }没有设置端口。

# unreviewed
err-run-no_supervisor = 返工需要{ -supervisor }
    .says = 重新运行已经{ -pass }的{ -board }需要由{ -supervisor }决定，但没有{ -supervisor }批准。没有运行任何内容。
    .todo = 请叫{ -supervisor }批准返工。

# unreviewed
err-run-ports_file = 无法读取{ -fixture }的端口对应表
    .says = { -station }无法读取每个{ -slot }使用哪个端口，因此无法开始运行。
    .todo = 请叫产线工程师：无法读取{ -fixture }的端口对应表。

# unreviewed
err-run-seal_recipients = 无法加载保护设备机密的密钥
    .says = { -station }用来保护每块{ -board }机密的密钥无法读取，因此{ -station }不会启动。
    .todo = 请叫产线工程师：保护设备机密的密钥缺失或有误。

# unreviewed
err-run-secret = 无法加载组密钥
    .says = 某个{ -product }的组密钥缺失或无效，因此{ -station }不会启动。
    .todo = 请叫产线工程师：{ -product }的组密钥缺失。

# unreviewed
err-run-slot_busy = { -slot }仍在运行
    .says = 此{ -slot }仍在烧录其中的{ -board }。
    .todo = 请等该{ -slot }完成后再启动它。

# unreviewed
err-run-stopped = { -board }完成前已停止
    .says = 此{ -board }完成之前，{ -station }被停止了，当时还没有对它做任何不可恢复的操作。
    .todo = 等{ -station }恢复后，请重新运行该{ -slot }。

# unreviewed
err-run-tpm_vendor_roots = 未加载安全芯片证书
    .says = 用于核验{ -product }安全芯片的证书无法加载，因此无法开始运行。
    .todo = 请叫产线工程师：此{ -product }的安全芯片证书缺失。

# unreviewed
err-run-unknown_product = { -slot }使用了未知的{ -product }
    .says = 某个{ -slot }设置的{ -product }本{ -station }不认识，因此无法开始运行。
    .todo = 请叫{ -supervisor }为该{ -slot }选择一个已知的{ -product }。

# unreviewed
err-run-unknown_slot = { -slot }不在此{ -fixture }上
    .says = 运行请求的{ -slot }在此{ -fixture }上不存在，因此无法开始。
    .todo = 请启动运行界面上显示的某个{ -slot }。

# unreviewed
err-secrets-keygen = 未能创建{ -station }密钥
    .says = { -station }无法创建新的密钥，或者那里已有密钥，而已有密钥永远不会被替换。
    .todo = 请叫产线工程师：无法创建{ -station }的密钥。

# unreviewed
err-slot-already_done = { -board }已烧录：{ -done }
    .says = 此{ -board }已由本{ -station }烧录完成。未做任何操作，也未记录任何内容。
    .todo = 请取出该{ -board }，放入下一块。

# unreviewed
err-slot-blocked = { -slot }因多次失败被封锁
    .says = 此{ -slot }中有多块{ -board }在获得证书或密钥后失败，或同一块{ -board }反复失败。在{ -supervisor }解除之前，{ -station }不会在此{ -slot }中启动任何{ -board }。
    .todo = 请把此{ -slot }最近的几块{ -board }放到一边，并叫{ -supervisor }。

# unreviewed
err-slot-empty = { -slot }为空
    .says = 此{ -slot }中没有{ -board }应答，因此显示为{ -empty }，不记录任何内容。
    .todo = 请在该{ -slot }中放入{ -board }并启动。

# unreviewed
err-slot-no_operator = 解除{ -slot }封锁需要{ -supervisor }
    .says = 只有{ -supervisor }可以解除{ -slot }封锁，但没有提供{ -supervisor }。没有做任何更改。
    .todo = 请叫{ -supervisor }解除该{ -slot }的封锁。

# unreviewed
err-slot-no_reason = 解除{ -slot }封锁需要原因
    .says = 解除{ -slot }封锁必须填写原因并记入审计日志，但没有填写。没有做任何更改。
    .todo = 请把检查过的内容填写为原因，然后再次解除该{ -slot }的封锁。

# unreviewed
err-slot-not_blocked = { -slot }未被封锁
    .says = 此{ -slot }没有被封锁，因此无需解除。
    .todo = 请选择一个已被封锁的{ -slot }。

# unreviewed
err-smp-corrupted = { -board }应答混乱
    .says = { -board }的应答在传输中损坏，重试后仍然如此，因此该{ -unit }判为{ -fail }。
    .todo = 请重新插好{ -board }，然后重新运行该{ -slot }。

# unreviewed
err-smp-malformed = { -board }的应答无法识别
    .says = { -board }的应答{ -station }无法理解，因此该{ -unit }判为{ -fail }。
    .todo = 请把{ -board }送去返工：其固件版本可能不对。

# unreviewed
err-smp-other = 与{ -board }通信失败
    .says = 与{ -board }通信失败，{ -station }无法给出更具体的原因，因此该{ -unit }判为{ -fail }。
    .todo = 请重新运行该{ -slot }；如果再次失败，请把{ -board }送去返工。

# unreviewed
err-smp-refused = { -board }拒绝了一条指令
    .says = { -board }拒绝执行某个步骤，例如它已被锁定，或其固件不支持该步骤，因此该{ -unit }判为{ -fail }。
    .todo = 请把{ -board }送去返工：它可能没有安装生产固件。

# unreviewed
err-smp-timeout = { -board }停止响应
    .says = { -board }在多次重试后仍未响应{ -station }。该{ -board }判为{ -fail }。
    .todo = 请重新插好{ -board }，然后重新运行此{ -slot }。

# unreviewed
err-store-audit_chain_broken = 审计日志被改动
    .says = { -station }的审计日志在{ -station }之外被改动：有记录被修改、删除或添加。该日志是证据，必须检查。
    .todo = 请立即叫{ -supervisor }：审计日志检查完之前必须停止烧录。

# unreviewed
err-store-certificate_serial_taken = 证书编号已被使用
    .says = { -station }反复抽取到已被使用的证书编号。未签发证书，该{ -board }判为{ -fail }。
    .todo = 请重新运行此{ -slot }。

# unreviewed
err-store-create_dir = { -station }无法创建数据库
    .says = { -station }无法创建保存记录的数据库，因此无法记录或烧录任何{ -board }。
    .todo = 请叫产线工程师：{ -station }无法创建数据库。

# unreviewed
err-store-duplicate = { -board }已烧录
    .says = 此{ -board }已由本{ -station }烧录过。未写入任何内容，该{ -board }判为{ -fail }。
    .todo = 请把该{ -board }放到一边；如需重新烧录，请叫{ -supervisor }。

# unreviewed
err-store-duplicate_open = { -board }上次运行未完成
    .says = 此{ -board }仍为{ -open }：{ -station }无法确定上次是否已锁定。未写入任何内容，该{ -board }判为{ -fail }。
    .todo = 请把该{ -board }单独放入一个{ -slot }并运行，让{ -station }完成它。

# unreviewed
err-store-duplicate_running = 相同{ -board }已在另一个{ -slot }中
    .says = 带有此{ -serial }的{ -board }正在烧录中。未写入任何内容，此{ -board }判为{ -fail }。
    .todo = 请把此{ -board }从{ -fixture }中取出，并检查它的标签。

# unreviewed
err-store-invalid_enrollment_state = 注册项状态不符
    .says = 此注册项不处于该操作所需的状态，例如它已不再是冲突。未做任何更改。
    .todo = 请重新打开队列界面，按其显示的内容操作。

# unreviewed
err-store-invalid_input = { -station }程序故障
    .says = { -station }试图保存一个它本不应产生的值。这是{ -station }程序的故障。
    .todo = 请叫产线工程师：{ -station }出现程序故障。

# unreviewed
err-store-invalid_state = { -unit }状态不符
    .says = 此{ -unit }不处于该操作所需的状态，例如仍在烧录中。未做任何更改。
    .todo = 请先在记录界面查看此{ -unit }，再重试。

# unreviewed
err-store-json = 数据库中有无法读取的数据
    .says = { -station }在其数据库中发现了无法读取的数据。这是{ -station }程序的故障，或数据库在外部被改动过。
    .todo = 请叫产线工程师：{ -station }的数据库中有无法读取的数据。

# unreviewed
err-store-lease_exhausted = { -station }的证书已用完
    .says = 本{ -station }已用完为该{ -work-order }分配给它的所有证书，且无法获得更多。未签发证书，该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：{ -station }无法为此{ -work-order }获得更多证书。

# unreviewed
err-store-migrate = 数据库升级失败
    .says = { -station }无法为此软件版本升级其数据库。数据库保持原样。
    .todo = 请叫产线工程师：{ -station }的数据库升级失败。

# unreviewed
err-store-missing = 找不到{ -station }数据库
    .says = { -station }没有找到数据库，因此没有可显示的内容。
    .todo = 请叫产线工程师：{ -station }找不到其数据库。

# unreviewed
err-store-no_open_claim = 不是未完成的{ -board }
    .says = 此{ -unit }不是未完成的{ -board }：它已完成、已失败或已声明为无法找回。未做任何更改。
    .todo = 请在记录界面查看待放回的{ -board }列表。

# unreviewed
err-store-not_wal = 数据库不在本地磁盘上
    .says = { -station }的数据库不在本机自己的磁盘上，例如在网络驱动器上。{ -station }不能这样运行。
    .todo = 请叫产线工程师：{ -station }的数据库必须放在本地磁盘上。

# unreviewed
err-store-open = 无法打开数据库
    .says = { -station }无法打开其数据库。
    .todo = 请叫产线工程师：{ -station }无法打开其数据库。

# unreviewed
err-store-quota_reached = 已达到{ -work-order }配额
    .says = 该{ -work-order }的证书数量已达到上限。未签发证书，该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -work-order }已达到配额。

# unreviewed
err-store-run_exists = 运行已开始
    .says = 此 ID 的运行已经开始过，因此没有再次开始。
    .todo = 请在运行界面开始新的运行。

# unreviewed
err-store-run_finished = 运行已结束
    .says = 此运行已经结束：不能再向其中添加{ -board }。
    .todo = 请在运行界面开始新的运行。

# unreviewed
err-store-schema_too_new = 数据库来自更新的版本
    .says = { -station }的数据库由更新版本的{ -station }软件写入。此版本不得更改它。
    .todo = 请叫产线工程师：{ -station }软件的版本比其数据库旧。

# unreviewed
err-store-sqlite = { -station }数据库错误
    .says = { -station }无法使用其数据库；磁盘可能已满或繁忙。如果当时有{ -board }在运行，该{ -board }判为{ -fail }。
    .todo = 请叫产线工程师：{ -station }无法保存到其数据库。

# unreviewed
err-store-sync = 记录未能安全写入磁盘
    .says = { -station }无法确认其记录已写入磁盘，断电时可能丢失。该{ -board }未被锁定，判为{ -fail }。
    .todo = 继续运行更多{ -board }之前，请叫产线工程师：{ -station }的磁盘可能已满或出现故障。

# unreviewed
err-store-unknown_enrollment = 没有此注册项
    .says = { -station }中没有此 ID 的注册项。未做任何更改。
    .todo = 请重新打开队列界面，从中选择一个注册项。

# unreviewed
err-store-unknown_run = 没有此运行
    .says = { -station }中没有此 ID 的运行。
    .todo = 请叫{ -supervisor }。

# unreviewed
err-store-unknown_unit = 没有此{ -unit }
    .says = { -station }中没有此编号的{ -unit }。未做任何更改。
    .todo = 请从记录界面的列表中选择该{ -unit }。

# unreviewed
err-tpm-duplicate_ek = 安全芯片已被另一块{ -board }使用
    .says = 此{ -board }的安全芯片已属于另一条{ -unit }。两块{ -board }绝不会共用一个芯片，因此它可能是复制品；未写入任何内容，该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置。

# unreviewed
err-tpm-ek_cert_invalid = 安全芯片证书无法使用
    .says = 此{ -board }的安全芯片中没有可用的证书。该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置。

# unreviewed
err-tpm-ek_cert_mismatch = 安全芯片证书不匹配
    .says = { -board }安全芯片中的证书属于另一个芯片：芯片被更换过，或证书是复制的。该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置。

# unreviewed
err-tpm-ek_cert_not_valid_now = 安全芯片证书当前无效
    .says = { -board }安全芯片中的证书在{ -station }当前的日期和时间下无效。该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：{ -station }的时钟可能不对，或芯片的证书已过期。

# unreviewed
err-tpm-ek_cert_untrusted = 安全芯片厂商不受信任
    .says = 此{ -board }的安全芯片来自本{ -product }不信任的厂商，该芯片可能不是正品。该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：在其芯片厂商获批之前，此{ -board }必须隔离放置。

# unreviewed
err-tpm-ek_not_held = 安全芯片未通过身份检查
    .says = 此{ -board }的安全芯片无法证明其密钥属于自己；芯片可能被调换或伪造。未写入任何内容，该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置，不得再次运行。

# unreviewed
err-tpm-ek_template = 安全芯片密钥不符合{ -product }要求
    .says = { -board }安全芯片中的密钥不是本{ -product }要求的类型。芯片或{ -board }的软件不是经批准的版本，该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置；其芯片或软件不是经批准的版本。

# unreviewed
err-tpm-link = 无法连接安全芯片
    .says = { -station }无法连接到{ -board }的安全芯片。该{ -board }判为{ -fail }。
    .todo = 请重新插好{ -board }，然后重新运行此{ -slot }。

# unreviewed
err-tpm-no_ek_certificate = 安全芯片没有证书
    .says = 此{ -board }的安全芯片中没有证书：其厂商没有写入。该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置。

# unreviewed
err-tpm-no_reader = { -station }无法使用安全芯片
    .says = 本{ -station }的软件不支持安全芯片，因此无法烧录此{ -product }。该{ -board }判为{ -fail }。
    .todo = 请叫产线工程师：本{ -station }需要支持安全芯片的软件。

# unreviewed
err-tpm-no_tpm = { -board }没有安全芯片
    .says = 此{ -product }需要安全芯片，而{ -slot }中的{ -board }没有。该{ -board }判为{ -fail }。
    .todo = 请检查{ -slot }中的{ -board }是否属于正确的{ -product }。

# unreviewed
err-tpm-read_failed = 无法读取安全芯片
    .says = { -station }无法读取{ -board }安全芯片的密钥：芯片返回了错误或响应太慢。该{ -board }判为{ -fail }。
    .todo = 请重新运行此{ -slot }。

# unreviewed
err-unit-duplicate_device_id = 设备 ID 已被占用
    .says = 为此{ -board }生成的设备 ID 已属于另一块已通过或正在运行的{ -board }。未写入任何内容，该{ -board }判为{ -fail }。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置；其设备 ID 已被占用。

# unreviewed
err-unit-revoked = 注册 ID 已吊销
    .says = 使用此注册 ID 的一条先前{ -unit }在凭据已写入其{ -board }后失败，因此该 ID 已被吊销。在此 ID 下烧录的{ -board }永远无法在 { -dps } 注册。
    .todo = 请叫{ -supervisor }：此{ -board }必须隔离放置，直到分配新的{ -serial }。

# unreviewed
err-units-purged = 设备密钥已删除
    .says = { -dps } 收到此{ -unit }的设备密钥后，该密钥已被删除。{ -station }不保留副本。
    .todo = 如果需要该密钥，请叫{ -supervisor }：{ -dps } 中仍保存着它。

# unreviewed
err-units-sealed = 设备密钥已加锁
    .says = 此{ -unit }的设备密钥已加锁，只有特定账户才能打开。此触摸屏的账户永远无法打开它。
    .todo = 请叫{ -supervisor }：只有获得授权的账户才能打开此密钥。

# unreviewed
err-units-unknown = 没有此{ -unit }
    .says = { -station }中不存在所查找的{ -unit }。
    .todo = 请从记录界面的列表中选择一条{ -unit }。

# unreviewed
err-upload-bad_response = { -dps } 返回了意外的应答
    .says = { -dps } 地址返回了{ -station }无法理解的内容；它可能不是 { -dps } 服务。注册项仍在队列中等待。
    .todo = 请叫产线工程师：{ -dps } 地址可能有误。

# unreviewed
err-upload-bulk_too_large = 上传批次过大
    .says = { -station }生成的上传中注册项数量超过了 { -dps } 一次可接受的上限。这是{ -station }程序的故障；注册项仍在队列中等待。
    .todo = 请叫产线工程师：{ -station }的上传功能出现程序故障。

# unreviewed
err-upload-busy = 另一个上传正在进行
    .says = 另一个上传已在发送本{ -station }的队列，因此这次上传没有开始。
    .todo = 请等待正在进行的上传完成。

# unreviewed
err-upload-client = 无法建立上传连接
    .says = { -station }无法建立到 { -dps } 的安全连接，因此没有上传任何内容。
    .todo = 请叫产线工程师：{ -station }的上传设置有误。

# unreviewed
err-upload-conflict = { -dps } 中已有不同的注册项
    .says = { -dps } 中已有此注册 ID 的另一个不同的注册项。{ -dps } 未被更改。
    .todo = 请叫{ -supervisor }在队列界面中解决。

# unreviewed
err-upload-connection_string = 缺少 { -dps } 连接信息
    .says = { -station }无法读取连接 { -dps } 所需的信息，或这些信息无效。
    .todo = 请叫产线工程师：{ -station }连接 { -dps } 的信息缺失或有误。

# unreviewed
err-upload-gave_up = 多次重试后上传停止
    .says = 用尽所有尝试后，仍有一些注册项无法上传到 { -dps }。没有丢失任何数据：它们仍在队列中等待。
    .todo = 请叫{ -supervisor }：上传到 { -dps } 一直失败。

# unreviewed
err-upload-group_conflict = 注册组使用了另一个密钥
    .says = { -dps } 中已有此{ -product }的注册组，但密钥不同，因此这里烧录的{ -board }不会被接受。{ -dps } 未被更改。
    .todo = 请叫{ -supervisor }：{ -dps } 中此{ -product }的注册组密钥不同。

# unreviewed
err-upload-group_key = 无法读取组密钥
    .says = { -station }无法读取此{ -product }的组密钥，因此无法在 { -dps } 中检查该组。
    .todo = 请叫产线工程师：此{ -product }的组密钥缺失。

# unreviewed
err-upload-identity = 上传程序无法读取其密钥
    .says = 上传程序无法读取打开加密设备密钥所需的密钥，因此没有启动。它运行之前，任何数据都不会到达 { -dps }。
    .todo = 请叫产线工程师：上传程序无法读取其密钥。

# unreviewed
err-upload-initial_twin = { -product }的初始云端设置不可用
    .says = { -station }无法为此{ -product }生成初始云端设置，因此它的组没有发送到 { -dps }。
    .todo = 请叫产线工程师：此{ -product }的初始云端设置有误。

# unreviewed
err-upload-internal = 上传程序因故障停止
    .says = 由于{ -station }程序的故障，上传程序的一个后台部分失败了。注册项仍留在队列中。
    .todo = 请叫产线工程师：上传程序因程序故障而停止。

# unreviewed
err-upload-network = { -dps } 无应答
    .says = { -dps } 没有响应{ -station }。注册项会一直留在队列中，直到上传完成。
    .todo = 请叫{ -supervisor }：{ -station }无法通过网络连接 { -dps }。

# unreviewed
err-upload-not_configured = 未设置上传
    .says = { -station }未设置为向 { -dps } 发送注册项。
    .todo = 请叫产线工程师：到 { -dps } 的上传尚未设置。

# unreviewed
err-upload-not_found = { -dps } 未找到
    .says = { -dps } 没有找到{ -station }请求的注册项或组。
    .todo = 请叫{ -supervisor }：{ -dps } 没有找到某个注册项。

# unreviewed
err-upload-precondition_failed = { -dps } 中的内容已被更改
    .says = { -station }读取注册项之后，它在 { -dps } 中被更改了，因此没有进行更新。
    .todo = 请叫{ -supervisor }重试上传。

# unreviewed
err-upload-queue = 上传程序无法启动
    .says = 上传程序无法在{ -station }的磁盘上创建所需的文件，因此没有启动。
    .todo = 请叫产线工程师：上传程序无法写入{ -station }的磁盘。

# unreviewed
err-upload-rejected = { -dps } 拒绝了请求
    .says = { -dps } 拒绝了{ -station }的请求。重试也无济于事。
    .todo = 请叫{ -supervisor }：{ -dps } 拒绝了上传。

# unreviewed
err-upload-service_unavailable = { -dps } 服务器故障
    .says = { -dps } 自身出现故障。上传程序会自动重试；注册项仍留在队列中。
    .todo = 如果持续出现，请叫{ -supervisor }。

# unreviewed
err-upload-throttled = { -dps } 限制了上传速度
    .says = { -station }发送的请求超过了 { -dps } 允许的数量。上传程序会等待并自动重试；注册项仍留在队列中。
    .todo = 如果持续出现，请叫{ -supervisor }。

# unreviewed
err-upload-trust_anchor = 无法校验 { -dps } 的证书
    .says = { -station }无法读取用于校验 { -dps } 的证书，因此不进行连接。
    .todo = 请叫产线工程师：用于校验 { -dps } 的证书缺失或无法读取。

# unreviewed
err-upload-unauthorized = { -dps } 拒绝了访问密钥
    .says = { -dps } 不接受{ -station }的访问密钥：密钥有误、已过期或缺少权限，或者{ -station }的时钟不准。重试也无济于事。
    .todo = 请叫产线工程师：{ -dps } 拒绝了{ -station }的访问密钥。

# unreviewed
err-verify-bad_identity = 打开批次的密钥不可用
    .says = 该批次已加密，但没有提供可用的解密密钥。没有导入任何内容。
    .todo = 请叫{ -supervisor }：需要设备运营方的密钥才能打开该批次。

# unreviewed
err-verify-bad_manifest = 批次文件清单已损坏
    .says = 批次的签名文件清单已损坏或格式不对。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-bad_record = 批次条目已损坏
    .says = 批次中的某个条目已损坏，或批次的文件对它的记载不一致。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-bad_signature = 批次签名无效
    .says = 批次的签名不匹配：其文件清单在签名后被更改过。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-bad_trust = 校验用证书不可用
    .says = 提供的用于校验批次的文件中没有证书，因此无法校验该批次。
    .todo = 请叫{ -supervisor }：必须用{ -station }的签名证书校验该批次。

# unreviewed
err-verify-certificate_lost = 重启后证书丢失
    .says = { -board }在重启时丢失了证书。该{ -unit }判为{ -fail }，{ -board }未锁定，其证书已作废。
    .todo = 把{ -board }送去返修。

# unreviewed
err-verify-io = 无法读取批次文件
    .says = 批次中的某个文件无法读取，因此无法校验该批次。
    .todo = 请叫{ -supervisor }：批次的文件无法读取。

# unreviewed
err-verify-mismatch = 回读的设置不一致
    .says = { -board }重启后回读的某项设置与写入的不一致。该{ -unit }判为{ -fail }，{ -board }未锁定。
    .todo = 把{ -board }送去返修。

# unreviewed
err-verify-missing_file = 批次文件缺失
    .says = 批次中的某个文件或其文件清单缺失。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-not_for_this_identity = 批次是为他人加密的
    .says = 提供的密钥都无法打开这个加密批次：{ -station }加密时用的是其他人的密钥。没有导入任何内容。
    .todo = 请{ -supervisor }提供用您的密钥加密的批次。

# unreviewed
err-verify-not_persisted = 重启后设置丢失
    .says = 写入{ -board }的某项设置在重启后不见了。该{ -unit }判为{ -fail }，{ -board }未锁定。
    .todo = 把{ -board }送去返修。

# unreviewed
err-verify-record_count = 批次条目数不对
    .says = 批次中某个文件的条目数与签名文件清单中记载的不同。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-sealed_corrupt = 加密批次已损坏
    .says = 无法打开这个加密批次：文件不完整，或在加密后被更改过。没有导入任何内容。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-sealed_entry = 加密批次中有不明文件
    .says = 加密批次中含有不属于批次的内容，因此在解包前就被拒绝了。没有导入任何内容。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-tampered = 批次文件在导出后被更改
    .says = 批次中的某个文件与签名文件清单不符：它在导出后被更改过。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-trust = 无法读取校验用证书
    .says = 提供的用于校验批次的证书文件无法读取，因此没有校验该批次。
    .todo = 请叫{ -supervisor }：必须用{ -station }的签名证书校验该批次。

# unreviewed
err-verify-unexpected_file = 批次中有多余的文件
    .says = 批次的目录中有一个签名文件清单中没有列出的文件。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-verify-untrusted_signer = 批次由不受信任的密钥签名
    .says = 该批次既不是用受信任的证书签名的，也不是用由它签发的证书签名的。请勿导入此批次。
    .todo = 请{ -supervisor }重新导出该批次。

# unreviewed
err-watch-auto_start_off = 自动启动已关闭
    .says = 要让{ -slot(form: "plural") }自动启动，需要开启自动启动功能，而此{ -station }未开启。
    .todo = 请叫产线工程师：此{ -station }的自动启动已关闭。

# unreviewed
err-watch-no_definition = 未设置{ -fixture }布局
    .says = 要自动启动{ -slot }，{ -station }必须知道{ -fixture }的布局，但尚未设置。
    .todo = 请叫产线工程师：{ -fixture }的布局未设置。

# unreviewed
err-x509-chain_too_large = 证书太大，{ -board }放不下
    .says = 证书超出了{ -board }接收证书的空间，因此没有安装。该{ -unit }判为{ -fail }，为它签发的证书已作废。
    .todo = 请叫产线工程师：证书对{ -board }的固件来说太大。

# unreviewed
err-x509-cn_too_long = 注册 ID 太长，无法写入证书
    .says = 此{ -board }的注册 ID 超过了证书允许的长度。该{ -unit }在签发证书之前就判为{ -fail }。
    .todo = 请叫产线工程师：此{ -product }的注册 ID 太长。

# unreviewed
err-x509-csr_asks_for_ca = { -board(form: "title") }申请了可签发证书的证书
    .says = { -board }的证书请求申请的是可以签发其他证书的证书，这是绝不允许的。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-csr_bad_signature = 证书请求签名有误
    .says = { -board }的证书请求不是用它自己的密钥签名的，因此{ -board }没有证明它持有该密钥。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-csr_extensions = 证书请求要求了额外内容
    .says = { -board }的证书请求要求了此{ -product }不允许的额外证书字段。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-csr_key_not_allowed = { -board }的密钥类型不允许
    .says = { -board }生成的密钥类型是此{ -product }不允许的。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 把{ -board }送去返修：它的固件可能与此{ -product }不符。

# unreviewed
err-x509-csr_malformed = 证书请求已损坏
    .says = { -board }的证书请求无效。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-csr_rejected = 证书请求被拒绝
    .says = { -board }的证书请求以其他方式违反了此{ -product }的规则。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-csr_wrong_subject = 证书请求中的名称不对
    .says = { -board }的证书请求中的名称与其注册 ID 不完全一致。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-install_mismatch = 已安装的证书不一致
    .says = { -board }报告存储的证书与签发的证书不一致。该{ -unit }判为{ -fail }，其证书已作废。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-key_reused = { -board }的密钥已被使用
    .says = { -board }发送的密钥已经为另一条{ -unit }认证过：两块{ -board(form: "plural") }共用一个密钥，或者该{ -board }发送了别的{ -board }的请求。没有签发证书。
    .todo = 把{ -board }放到一边，然后叫{ -supervisor }。

# unreviewed
err-x509-no_ca = { -product }没有签名密钥
    .says = { -station }没有为此{ -product }加载签名密钥，因此无法签发证书。该{ -unit }在向{ -board }写入任何内容之前就判为{ -fail }。
    .todo = 请叫产线工程师：此{ -product }没有加载签名密钥。

# unreviewed
err-x509-no_work_order = 签发证书需要{ -work-order(form: "title") }
    .says = 此{ -product }需要{ -work-order }才能签发证书，但尚未设置。该{ -unit }在签发证书之前就判为{ -fail }。
    .todo = 请{ -supervisor }设置{ -work-order }，然后重新运行该{ -slot }。

# unreviewed
err-x509-readback_mismatch = 回读的证书不一致
    .says = 从{ -board }回读的证书与安装的不一致。该{ -unit }判为{ -fail }，其证书已作废。
    .todo = 把{ -board }送去返修。

# unreviewed
err-x509-sign_failed = 无法签署证书
    .says = { -station }的签名密钥无法签署{ -board }的证书。没有签发证书，该{ -unit }判为{ -fail }。
    .todo = 请叫产线工程师：{ -station }的签名密钥不能正常工作。
