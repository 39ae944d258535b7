<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <source>金财桌面端</source>
        <translation>Jincai Desk</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <source>预算指标：金额、已支付、在途、可用与执行率</source>
        <translation>Budget indicators: amount, paid, in transit, available and execution rate</translation>
    </message>
    <message>
        <source>支付申请</source>
        <translation>Payment applications</translation>
    </message>
    <message>
        <source>填写、保存、提交支付申请，查看状态与审批轨迹</source>
        <translation>Fill in, save and submit payment applications; follow their status and approval trail</translation>
    </message>
    <message>
        <source>待我审批</source>
        <translation>My approvals</translation>
    </message>
    <message>
        <source>审批队列：凭证、预算情况与预警并列显示</source>
        <translation>Approval queue with vouchers, budget context and warnings side by side</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <source>三级预警与处置闭环</source>
        <translation>Three-level warnings and their disposition</translation>
    </message>
    <message>
        <source>凭证采集</source>
        <translation>Voucher capture</translation>
    </message>
    <message>
        <source>高拍仪、文件夹与文件采集，识别并核对票据字段</source>
        <translation>Capture from document cameras, folders and files; read and check voucher fields</translation>
    </message>
    <message>
        <source>导入导出</source>
        <translation>Import / export</translation>
    </message>
    <message>
        <source>Excel 模板、指标与收款人导入、报表导出</source>
        <translation>Excel templates, indicator and payee imports, report exports</translation>
    </message>
    <message>
        <source>统计</source>
        <translation>Statistics</translation>
    </message>
    <message>
        <source>执行率与月度趋势</source>
        <translation>Execution rates and monthly trend</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>服务器、语言、识别引擎</source>
        <translation>Server, language, OCR engine</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>就绪</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>帮助</source>
        <translation>Help</translation>
    </message>
    <message>
        <source>关于</source>
        <translation>About</translation>
    </message>
    <message>
        <source>关于金财桌面端</source>
        <translation>About Jincai Desk</translation>
    </message>
    <message>
        <source>金财桌面端 Jincai Desk</source>
        <translation>Jincai Desk</translation>
    </message>
    <message>
        <source>版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>国库集中支付客户端</source>
        <translation>Treasury payment client</translation>
    </message>
</context>
</TS>
