### 机器翻译草稿：每条消息在工厂人员审核前标记为 # unreviewed。审核后改为 # reviewed: 姓名 日期。
### 工站用语，每种语言只定义一次。所有消息都使用这些术语
### （{ -slot }、{ -pass }…），不直接写词本身；审核人员在这里改一个术语，所有界面随之更新。
### 英语为源语言。中文没有大小写和复数，所以每个术语只有一个默认变体 *[other]；
### 调用方传入的 (form: "title") 等参数都落到这个变体上。

## 产线上的东西

# 治具台面上放一块板卡的位置。
# unreviewed
-slot = { $form ->
   *[other] 槽位
}
# 被测设备：槽位中的一块电路板。
# unreviewed
-board = { $form ->
   *[other] 板卡
}
# 一块板卡的烧录过程及其结果的记录。
# unreviewed
-unit = { $form ->
   *[other] 记录
}
# 印在板卡标签上、并写入板卡的编号。
# unreviewed
-serial = { $form ->
   *[other] 序列号
}
# 放置板卡的针床及其线缆。
# unreviewed
-fixture = { $form ->
   *[other] 治具
}
# 这台电脑及其程序。
# unreviewed
-station = { $form ->
   *[other] 工站
}
# 生产线：共用一个产线数据库的多个工站，因此任何板卡都不会被烧录两次。
# unreviewed
-line = { $form ->
   *[other] 产线
}
# 这些板卡所属的生产订单。
# unreviewed
-work-order = { $form ->
   *[other] 工单
}
# unreviewed
-product = { $form ->
   *[other] 产品
}
# Azure 设备预配服务（Device Provisioning Service）：名称，所有语言保持不变。
# unreviewed
-dps = DPS
# DPS 为设备保存的记录，设备有了它才能注册。
# unreviewed
-enrollment = { $form ->
   *[other] 注册项
}

## 人员

# 在工站上用工牌和 PIN 登录的人员：技术员、主管或管理员（不是设备运营方，即客户）。
# unreviewed
-operator = { $form ->
   *[other] 操作员
}
# unreviewed
-technician = { $form ->
   *[other] 技术员
}
# unreviewed
-supervisor = { $form ->
   *[other] 主管
}
# 管理操作员的角色。
# unreviewed
-admin = { $form ->
   *[other] 管理员
}

## 板卡的结果，按其图块上显示的样子（要短；图块上的词最多 3 个汉字）

# unreviewed
-pass = 通过
# unreviewed
-fail = 失败
# 未判定：板卡必须重新运行，绝不能报废。
# unreviewed
-open = 待定
# unreviewed
-empty = 空
# 已由本工站烧录：请取出。
# unreviewed
-done = 已完成
# unreviewed
-ready = 就绪
# unreviewed
-wait = 等待
# unreviewed
-running = 运行中
# unreviewed
-interrupted = 已中断
# unreviewed
-reworked = 已返工
