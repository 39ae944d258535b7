<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>ApplicationListTableModel</name>
    <message>
        <location filename="../../app/ui/applications_view.py" line="50"/>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="47"/>
        <source>收款人</source>
        <translation>Payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="51"/>
        <source>更新时间</source>
        <translation>Updated</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="52"/>
        <source>服务器意见</source>
        <translation>Server's message</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="44"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="49"/>
        <source>用途</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="46"/>
        <source>申请编号</source>
        <translation>Application no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="48"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="46"/>
        <source>（未编号）</source>
        <translation>(no number)</translation>
    </message>
</context>
<context>
    <name>ApplicationsPage</name>
    <message>
        <location filename="../../app/ui/applications_view.py" line="263"/>
        <source>填写申请</source>
        <translation>Fill in</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="264"/>
        <source>我的申请</source>
        <translation>My applications</translation>
    </message>
</context>
<context>
    <name>ApprovalQueueView</name>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="314"/>
        <source>{0} 个附件（见下方）</source>
        <translation>{0} attachments (below)</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="246"/>
        <source>{0} 项，合计 {1} 元</source>
        <translation>{0} items, total {1} yuan</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="107"/>
        <source>不限等待时间</source>
        <translation>Any age</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="277"/>
        <source>元</source>
        <translation>yuan</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="97"/>
        <source>全部资金性质</source>
        <translation>All fund types</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="101"/>
        <source>全部预警级别</source>
        <translation>All warning levels</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="291"/>
        <source>冻结</source>
        <translation>Frozen</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="314"/>
        <source>凭证</source>
        <translation>Vouchers</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="273"/>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="91"/>
        <source>单位、收款人、用途、编号</source>
        <translation>Unit, payee, purpose, number</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="307"/>
        <location filename="../../app/ui/approval_queue.py" line="364"/>
        <source>同意</source>
        <translation>Approved</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="147"/>
        <source>同意 (Alt+A)</source>
        <translation>Approve (Alt+A)</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="390"/>
        <source>同意 {0} 项，合计 {1} 元？</source>
        <translation>Approve {0} items, {1} yuan in total?</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="290"/>
        <source>在途</source>
        <translation>In transit</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="379"/>
        <source>审批</source>
        <translation>Approval</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="144"/>
        <source>审批意见（退回、拒绝时必填）</source>
        <translation>Comment (required to return or reject)</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="368"/>
        <source>已{0}{1}</source>
        <translation>{0}{1}</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="309"/>
        <source>已发送</source>
        <translation>Sent</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="397"/>
        <source>已批量同意 {0} 项。</source>
        <translation>Approved {0} items.</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="289"/>
        <source>已支付</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="309"/>
        <source>待发送</source>
        <translation>Queued</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="312"/>
        <source>我的意见</source>
        <translation>My decision</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="390"/>
        <source>批量同意</source>
        <translation>Batch approve</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="129"/>
        <source>批量同意（无预警的选中项）</source>
        <translation>Batch approve (selected items without warnings)</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="398"/>
        <source>批量审批</source>
        <translation>Batch approval</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="308"/>
        <location filename="../../app/ui/approval_queue.py" line="365"/>
        <source>拒绝</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="151"/>
        <source>拒绝 (Alt+J)</source>
        <translation>Reject (Alt+J)</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="289"/>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="315"/>
        <source>收到时间</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="275"/>
        <source>收款人</source>
        <translation>Payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="110"/>
        <source>显示已审批</source>
        <translation>Show decided</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="94"/>
        <source>最低金额</source>
        <translation>Minimum amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="310"/>
        <source>服务器已接受</source>
        <translation>Accepted by the server</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="304"/>
        <source>服务器退回了上次的意见</source>
        <translation>The server refused the previous decision</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="295"/>
        <source>本机没有该指标的数据，预算情况以服务器为准。</source>
        <translation>This computer has no copy of the indicator; the server's figures apply.</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="292"/>
        <source>本次</source>
        <translation>This payment</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="335"/>
        <source>正在识别凭证字段…</source>
        <translation>Reading the voucher's fields…</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="251"/>
        <source>没有待审批的任务。</source>
        <translation>No pending approval tasks.</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="279"/>
        <source>用途</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="107"/>
        <source>等待超过 1 天</source>
        <translation>Waiting over 1 day</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="108"/>
        <source>等待超过 3 天</source>
        <translation>Waiting over 3 days</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="102"/>
        <source>红色</source>
        <translation>Red</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="274"/>
        <source>经办人</source>
        <translation>Accountant</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="280"/>
        <source>经济科目</source>
        <translation>Economic class</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="281"/>
        <source>结算方式</source>
        <translation>Settlement</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="103"/>
        <source>蓝色</source>
        <translation>Blue</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="353"/>
        <source>识别凭证</source>
        <translation>Reading vouchers</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="240"/>
        <source>读取审批任务</source>
        <translation>Reading approval tasks</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="265"/>
        <source>读取审批详情</source>
        <translation>Reading approval details</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="307"/>
        <location filename="../../app/ui/approval_queue.py" line="364"/>
        <source>退回</source>
        <translation>Returned</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="149"/>
        <source>退回 (Alt+R)</source>
        <translation>Return (Alt+R)</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="387"/>
        <source>选中项中没有可批量同意的任务（有预警的须逐笔审批）。</source>
        <translation>No selected task can be batch approved (tasks with warnings are decided one by one).</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="277"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="287"/>
        <source>预算情况</source>
        <translation>Budget</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="297"/>
        <source>预警</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="102"/>
        <source>黄色</source>
        <translation>Yellow</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="366"/>
        <source>，将在同步时发送。</source>
        <translation>; it will be sent at the next sync.</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="366"/>
        <source>，正在发送。</source>
        <translation>; sending now.</translation>
    </message>
</context>
<context>
    <name>ApprovalTaskTableModel</name>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="66"/>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="68"/>
        <source>收款人</source>
        <translation>Payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="73"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="71"/>
        <source>环节</source>
        <translation>Step</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="67"/>
        <source>申请编号</source>
        <translation>Application no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="72"/>
        <source>等待</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="77"/>
        <source>红色</source>
        <translation>Red</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="77"/>
        <source>蓝色</source>
        <translation>Blue</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="70"/>
        <source>资金性质</source>
        <translation>Fund type</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="69"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="64"/>
        <source>预警</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <location filename="../../app/ui/approval_queue.py" line="77"/>
        <source>黄色</source>
        <translation>Yellow</translation>
    </message>
</context>
<context>
    <name>AttachmentsPanel</name>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="216"/>
        <source>{0}（无识别结果）</source>
        <translation>{0} (no OCR result)</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="170"/>
        <source>付款依据</source>
        <translation>Payment basis</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="171"/>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="246"/>
        <source>凭证文件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.xml);;所有文件 (*)</source>
        <translation>Voucher files (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.xml);;All files (*)</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="170"/>
        <source>发票</source>
        <translation>Invoice</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="170"/>
        <source>合同</source>
        <translation>Contract</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="142"/>
        <source>打开</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="171"/>
        <source>收据/回单</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="143"/>
        <source>核对识别结果 (Enter)</source>
        <translation>Review recognition (Enter)</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="141"/>
        <source>添加附件… (Ctrl+O)</source>
        <translation>Add attachment… (Ctrl+O)</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="151"/>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="214"/>
        <source>识别结果：{0}</source>
        <translation>OCR: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="241"/>
        <source>读取识别结果</source>
        <translation>Reading the recognition result</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="187"/>
        <source>读取附件</source>
        <translation>Reading attachments</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="200"/>
        <source>还没有附件。发票、合同、付款依据等可在此添加，或在“凭证采集”中拍摄识别。</source>
        <translation>No attachments yet. Add invoices, contracts and payment bases here, or photograph and read them in “Voucher capture”.</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="245"/>
        <source>选择附件</source>
        <translation>Choose attachment</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="126"/>
        <source>附件</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="198"/>
        <source>（未上传）</source>
        <translation> (not uploaded)</translation>
    </message>
</context>
<context>
    <name>AwaitingTableModel</name>
    <message>
        <location filename="../../app/ui/payments_view.py" line="91"/>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="92"/>
        <source>收款人</source>
        <translation>Payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="95"/>
        <source>用途</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="90"/>
        <source>申请号</source>
        <translation>Application no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="93"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
</context>
<context>
    <name>BudgetPanel</name>
    <message>
        <location filename="../../app/ui/payment_form.py" line="134"/>
        <source>&lt;b&gt;规则检查&lt;/b&gt;</source>
        <translation>&lt;b&gt;Rule check&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="109"/>
        <source>= 剩余可用</source>
        <translation>= Remaining</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="169"/>
        <source>{0} − {1} − {2}</source>
        <translation>{0} − {1} − {2}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="107"/>
        <source>− 冻结</source>
        <translation>− Frozen</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="107"/>
        <source>− 在途</source>
        <translation>− In transit</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="106"/>
        <source>− 已支付</source>
        <translation>− Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="108"/>
        <source>− 本机未确认申请</source>
        <translation>− Unconfirmed on this computer</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="108"/>
        <source>− 本次申请</source>
        <translation>− This application</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="144"/>
        <source>尚未选择指标。</source>
        <translation>No indicator selected.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="106"/>
        <source>指标金额</source>
        <translation>Indicator amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="177"/>
        <source>未发现会被拒绝的规则（以服务器审核为准）。</source>
        <translation>No rule would refuse it (the server's review is final).</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="145"/>
        <source>选择指标并填写金额后显示。</source>
        <translation>Shown once an indicator and an amount are entered.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="102"/>
        <source>预算情况</source>
        <translation>Budget</translation>
    </message>
</context>
<context>
    <name>CapturePanel</name>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="430"/>
        <source> · 服务器查重待联网</source>
        <translation> · server duplicate check pending (offline)</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="420"/>
        <source> 第{0}页</source>
        <translation> page {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="424"/>
        <source>{0} 项校验未通过</source>
        <translation>{0} checks failed</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="317"/>
        <source>停止预览</source>
        <translation>Stop preview</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="348"/>
        <source>凭证 (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp *.pdf *.xml);;所有文件 (*)</source>
        <translation>Vouchers (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp *.pdf *.xml);;All files (*)</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="142"/>
        <source>分辨率</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="94"/>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="123"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="463"/>
        <source>已保存更正。</source>
        <translation>Corrections saved.</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="253"/>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="224"/>
        <source>已跳过 {0} 个不支持的文件（支持 JPEG、PNG、TIFF、PDF、XML）。</source>
        <translation>Skipped {0} unsupported files (JPEG, PNG, TIFF, PDF and XML are supported).</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="95"/>
        <location filename="../../app/ui/capture_panel.py" line="313"/>
        <location filename="../../app/ui/capture_panel.py" line="340"/>
        <source>开始预览</source>
        <translation>Start preview</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="109"/>
        <source>打开文件…</source>
        <translation>Open files…</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="96"/>
        <source>拍摄 (空格)</source>
        <translation>Capture (Space)</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="335"/>
        <source>拍摄 {0}</source>
        <translation>Capture {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="399"/>
        <source>排队识别…</source>
        <translation>Queued for reading…</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="158"/>
        <source>本批凭证（可把文件拖到这里）</source>
        <translation>This batch (drop files here)</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="428"/>
        <source>校验通过</source>
        <translation>Valid</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="243"/>
        <source>正在监视：{0}</source>
        <translation>Watching: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="405"/>
        <source>正在识别，剩余 {0} 张…</source>
        <translation>Reading, {0} left…</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="288"/>
        <source>没有检测到摄像头/高拍仪</source>
        <translation>No camera / document camera found</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="296"/>
        <source>没有检测到摄像头或高拍仪。
可以“打开文件…”、把文件拖到这里，或“监视文件夹”接收扫描软件保存的图片。</source>
        <translation>No camera or document camera found.
Use “Open files…”, drop files here, or “Watch folder” to pick up images saved by scanning software.</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="422"/>
        <source>疑似重复</source>
        <translation>Possible duplicate</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="111"/>
        <source>监视文件夹</source>
        <translation>Watch folder</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="140"/>
        <source>设备</source>
        <translation>Device</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="451"/>
        <source>识别完成：{0} 张凭证。点选一张查看并核对。</source>
        <translation>Done: {0} vouchers read. Select one to review it.</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="151"/>
        <source>识别引擎</source>
        <translation>OCR engine</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="347"/>
        <source>选择凭证文件</source>
        <translation>Choose voucher files</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="357"/>
        <source>选择扫描软件保存图片的文件夹</source>
        <translation>Choose the folder where the scanning software saves images</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="426"/>
        <source>需核对</source>
        <translation>Check needed</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="103"/>
        <source>预览</source>
        <translation>Preview</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="116"/>
        <source>（推荐）</source>
        <translation> (recommended)</translation>
    </message>
    <message>
        <location filename="../../app/ui/capture_panel.py" line="286"/>
        <source>（默认）</source>
        <translation> (default)</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="48"/>
        <source>保留我的修改</source>
        <translation>Keep my edit</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="35"/>
        <source>同步冲突</source>
        <translation>Sync conflicts</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="129"/>
        <source>处理同步冲突</source>
        <translation>Resolve sync conflict</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="42"/>
        <source>字段</source>
        <translation>Field</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="123"/>
        <source>已处理。</source>
        <translation>Resolved.</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="102"/>
        <source>服务器在您修改期间也改动了这笔记录：{0}</source>
        <translation>The server changed this record while you were editing it: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="43"/>
        <source>服务器版本</source>
        <translation>Server version</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="42"/>
        <source>本机修改</source>
        <translation>My edit</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="88"/>
        <source>没有待处理的同步冲突。</source>
        <translation>No sync conflicts to resolve.</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="70"/>
        <source>读取同步冲突</source>
        <translation>Reading sync conflicts</translation>
    </message>
    <message>
        <location filename="../../app/ui/conflicts_dialog.py" line="49"/>
        <source>采用服务器版本</source>
        <translation>Take the server's version</translation>
    </message>
</context>
<context>
    <name>CorrectionDialog</name>
    <message>
        <location filename="../../app/ui/payments_view.py" line="131"/>
        <source>支付凭证</source>
        <translation>Payment voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="133"/>
        <source>新功能分类</source>
        <translation>New functional code</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="132"/>
        <source>新指标（不改留空）</source>
        <translation>New indicator (leave empty to keep)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="134"/>
        <source>新部门经济分类</source>
        <translation>New departmental economic code</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="135"/>
        <source>更正原因</source>
        <translation>Reason for the correction</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="122"/>
        <source>更正（调整书）</source>
        <translation>Correction (adjustment note)</translation>
    </message>
</context>
<context>
    <name>DashboardView</name>
    <message>
        <location filename="../../app/ui/dashboard.py" line="226"/>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="215"/>
        <source>PNG 图片 (*.png)</source>
        <translation>PNG images (*.png)</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="55"/>
        <source>在途</source>
        <translation>In transit</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="225"/>
        <location filename="../../app/ui/dashboard.py" line="235"/>
        <source>导出 Excel</source>
        <translation>Export to Excel</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="81"/>
        <source>导出 Excel…</source>
        <translation>Export to Excel…</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="214"/>
        <source>导出图片</source>
        <translation>Export image</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="80"/>
        <source>导出图片…</source>
        <translation>Export image…</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="221"/>
        <source>导出失败</source>
        <translation>Export failed</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="221"/>
        <location filename="../../app/ui/dashboard.py" line="233"/>
        <source>已导出：{0}</source>
        <translation>Exported: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="54"/>
        <source>已支付</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="185"/>
        <source>我的支付申请月度金额（万元）</source>
        <translation>My applications per month (10,000 yuan)</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="56"/>
        <source>我的申请</source>
        <translation>My applications</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="55"/>
        <source>执行率</source>
        <translation>Execution</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="161"/>
        <source>执行率 %</source>
        <translation>Execution %</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="54"/>
        <source>指标总额</source>
        <translation>Total budget</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="129"/>
        <source>按功能分类（类）的执行率</source>
        <translation>Execution by functional class</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="148"/>
        <source>按单位的执行率</source>
        <translation>Execution rate by unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="138"/>
        <source>按指标的执行率（金额最大的 8 个）</source>
        <translation>Execution rate by indicator (8 largest)</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="132"/>
        <source>按经济分类（类）的执行率</source>
        <translation>Execution by economic class</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="127"/>
        <source>按资金性质的执行率</source>
        <translation>Execution by fund type</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="146"/>
        <source>按部门的执行率</source>
        <translation>Execution rate by department</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="133"/>
        <source>未细化</source>
        <translation>Not detailed</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="230"/>
        <source>正在导出…</source>
        <translation>Exporting…</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="113"/>
        <source>统计</source>
        <translation>Statistics</translation>
    </message>
    <message>
        <location filename="../../app/ui/dashboard.py" line="188"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
</context>
<context>
    <name>DeskWindow</name>
    <message>
        <location filename="../../app/ui/shell.py" line="165"/>
        <source>&lt;h3&gt;Excel 导入&lt;/h3&gt;</source>
        <translation>&lt;h3&gt;Excel import&lt;/h3&gt;</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="283"/>
        <source>书面说明</source>
        <translation>Written explanation</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="266"/>
        <source>保存草稿</source>
        <translation>Save draft</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="273"/>
        <source>凭证采集：拍摄</source>
        <translation>Capture: take a picture</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="262"/>
        <source>切换到各功能页</source>
        <translation>Switch between the working areas</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="264"/>
        <source>双击</source>
        <translation>double-click</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="189"/>
        <location filename="../../app/ui/shell.py" line="271"/>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="192"/>
        <source>同步冲突…</source>
        <translation>Sync conflicts…</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="329"/>
        <source>处理中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="270"/>
        <source>审批：同意 / 退回 / 拒绝</source>
        <translation>Review: approve / return / reject</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="325"/>
        <location filename="../../app/ui/shell.py" line="331"/>
        <source>就绪</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="282"/>
        <source>已整改</source>
        <translation>Rectified</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="207"/>
        <location filename="../../app/ui/shell.py" line="295"/>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="263"/>
        <source>指标页：筛选框</source>
        <translation>Indicators: the filter box</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="267"/>
        <source>提交（离线时排队，联网后发送）</source>
        <translation>Submit (queued when offline, sent when online)</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="86"/>
        <source>支付</source>
        <translation>Payments</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="87"/>
        <source>支付凭证、银行文件、回单、退款、更正与对账</source>
        <translation>Payment vouchers, bank files, write-backs, refunds, corrections and reconciliation</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="288"/>
        <source>支付：</source>
        <translation>Payments: </translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="194"/>
        <source>收款人地址簿…</source>
        <translation>Payee address book…</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="183"/>
        <source>文件(&amp;F)</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="185"/>
        <source>新建支付申请</source>
        <translation>New payment application</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="268"/>
        <source>新建申请</source>
        <translation>New application</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="282"/>
        <source>核实无误</source>
        <translation>Verified correct</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="258"/>
        <source>注销</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="196"/>
        <source>注销（切换用户）</source>
        <translation>Sign out (switch user)</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="269"/>
        <source>添加附件</source>
        <translation>Add attachment</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="264"/>
        <source>用所选指标新建支付申请</source>
        <translation>New payment application on the selected indicator</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="265"/>
        <source>申请表：搜索指标</source>
        <translation>Form: search indicators</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="281"/>
        <source>确认整改</source>
        <translation>Confirm rectification</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="273"/>
        <source>空格</source>
        <translation>Space</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="203"/>
        <source>视图(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="280"/>
        <source>认定正常</source>
        <translation>Ruled normal</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="281"/>
        <source>认定违规</source>
        <translation>Ruled a violation</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="225"/>
        <source>读取字典</source>
        <translation>Loading dictionaries</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="198"/>
        <location filename="../../app/ui/shell.py" line="272"/>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="280"/>
        <source>需要核实</source>
        <translation>Verification requested</translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="285"/>
        <source>预警处置：</source>
        <translation>Warning steps: </translation>
    </message>
    <message>
        <location filename="../../app/ui/shell.py" line="119"/>
        <source>（演示）</source>
        <translation> (demo)</translation>
    </message>
</context>
<context>
    <name>ExcelPanel</name>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="608"/>
        <source>&lt;h2&gt;导入导出&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;Import / export&lt;/h2&gt;</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="661"/>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="618"/>
        <source>下载模板…</source>
        <translation>Download template…</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="660"/>
        <source>保存模板</source>
        <translation>Save template</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="609"/>
        <source>先下载模板填写（或使用财政下发的表格），再导入。导入前逐行校验，有错误的单元格会在副本中标出。</source>
        <translation>Download the template and fill it in (or use the finance bureau's sheet), then import. Every row is checked first; cells with errors are marked in a copy.</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="621"/>
        <source>导入…</source>
        <translation>Import…</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="666"/>
        <source>已生成模板：</source>
        <translation>Template written:</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="669"/>
        <source>无法生成模板：</source>
        <translation>Cannot write the template:</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="654"/>
        <source>正在生成模板…</source>
        <translation>Writing template…</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="343"/>
        <source>Excel 导入</source>
        <translation>Excel import</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="356"/>
        <source>JSON-lines 暂存文件（尚未接入本地数据库）</source>
        <translation>JSON-lines staging file (not yet connected to the local database)</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="368"/>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="367"/>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="370"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="523"/>
        <source>可以修改文件后重新导入（“保存标注错误的副本”标出了每个错误单元格），或勾选“只导入正确的行”，跳过有错误的行。</source>
        <translation>Correct the file and import it again (“Save a copy with the errors marked” marks every wrong cell), or tick “Import only the valid rows” to skip the rows with errors.</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="499"/>
        <source>处理时出错，未导入任何数据：</source>
        <translation>An error occurred; nothing was imported:</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="369"/>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="547"/>
        <source>工作表“{sheet}”，表头在第 {row} 行，金额单位：{unit}。</source>
        <translation>Sheet “{sheet}”, header on row {row}, amounts in {unit}.</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="359"/>
        <source>服务器或本地数据库（按导入类型）</source>
        <translation>The server or the local database (by kind of import)</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="357"/>
        <source>本地数据库</source>
        <translation>Local database</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="455"/>
        <source>正在导入…</source>
        <translation>Importing…</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="441"/>
        <source>正在校验…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="526"/>
        <source>点击“下一步”开始导入。</source>
        <translation>Click “Next” to start the import.</translation>
    </message>
</context>
<context>
    <name>IndicatorBrowserView</name>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="424"/>
        <source>共 {0} 条</source>
        <translation>{0} rows</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="335"/>
        <source>双击一行或按回车同样可以新建（Ctrl+N）</source>
        <translation>Double-click a row or press Enter to start one too (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="429"/>
        <source>合计 {0} 条：金额 {1}　已支付 {2}　在途 {3}　可用 {4}</source>
        <translation>Total of {0} rows: amount {1}   paid {2}   in transit {3}   available {4}</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="327"/>
        <source>按指标编号、文号、项目、功能/经济科目代码筛选（空格分隔多个词）</source>
        <translation>Filter by indicator, document no., project, functional/economic code (space separates words)</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="421"/>
        <source>正在筛选…</source>
        <translation>Filtering…</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="334"/>
        <source>用此指标新建申请</source>
        <translation>New application on this indicator</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="361"/>
        <source>筛选：</source>
        <translation>Filter:</translation>
    </message>
</context>
<context>
    <name>IndicatorPickerDialog</name>
    <message>
        <location filename="../../app/ui/payment_form.py" line="80"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="79"/>
        <source>选择</source>
        <translation>Select</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="72"/>
        <source>选择指标</source>
        <translation>Choose indicator</translation>
    </message>
</context>
<context>
    <name>IndicatorTableModel</name>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="259"/>
        <source>不可执行指标</source>
        <translation>Not executable</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="83"/>
        <source>功能科目</source>
        <translation>Functional class</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="85"/>
        <source>可用</source>
        <translation>Available</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="162"/>
        <source>合计</source>
        <translation>Totals</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="85"/>
        <source>在途</source>
        <translation>In transit</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="84"/>
        <source>已支付</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="85"/>
        <source>执行率</source>
        <translation>Execution</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="83"/>
        <source>指标文号</source>
        <translation>Document no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="83"/>
        <source>指标编号</source>
        <translation>Indicator</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="254"/>
        <source>服务器确认可用 {0}，扣除本机未确认申请 {1} 后为 {2}</source>
        <translation>Confirmed available {0}; after {1} not yet confirmed on this computer: {2}</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="122"/>
        <source>筛选指标</source>
        <translation>Filter indicators</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="84"/>
        <source>经济科目</source>
        <translation>Economic class</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="84"/>
        <source>资金性质</source>
        <translation>Fund type</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="84"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="83"/>
        <source>项目名称</source>
        <translation>Project</translation>
    </message>
    <message>
        <location filename="../../app/ui/indicator_browser.py" line="273"/>
        <source>（未细化）</source>
        <translation>(not detailed)</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Excel 模板、指标与收款人导入、报表导出</source>
        <translation>Excel templates, indicator and payee imports, report exports</translation>
    </message>
    <message>
        <source>三级预警与处置闭环</source>
        <translation>Three-level warnings and their disposition</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="66"/>
        <source>关于</source>
        <translation>About</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="157"/>
        <source>关于金财桌面端</source>
        <translation>About Jincai Desk</translation>
    </message>
    <message>
        <source>凭证采集</source>
        <translation>Voucher capture</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="148"/>
        <source>国库集中支付客户端</source>
        <translation>Treasury payment client</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="135"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>填写、保存、提交支付申请，查看状态与审批轨迹</source>
        <translation>Fill in, save and submit payment applications; follow their status and approval trail</translation>
    </message>
    <message>
        <source>审批队列：凭证、预算情况与预警并列显示</source>
        <translation>Approval queue with vouchers, budget context and warnings side by side</translation>
    </message>
    <message>
        <source>导入导出</source>
        <translation>Import / export</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="64"/>
        <source>就绪</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="65"/>
        <source>帮助</source>
        <translation>Help</translation>
    </message>
    <message>
        <source>待我审批</source>
        <translation>My approvals</translation>
    </message>
    <message>
        <source>执行率与月度趋势</source>
        <translation>Execution rates and monthly trend</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <source>支付申请</source>
        <translation>Payment applications</translation>
    </message>
    <message>
        <source>服务器、语言、识别引擎</source>
        <translation>Server, language, OCR engine</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="147"/>
        <source>版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="61"/>
        <location filename="../../app/ui/main_window.py" line="135"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>统计</source>
        <translation>Statistics</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="42"/>
        <location filename="../../app/ui/main_window.py" line="82"/>
        <source>金财桌面端</source>
        <translation>Jincai Desk</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="147"/>
        <source>金财桌面端 Jincai Desk</source>
        <translation>Jincai Desk</translation>
    </message>
    <message>
        <source>预算指标：金额、已支付、在途、可用与执行率</source>
        <translation>Budget indicators: amount, paid, in transit, available and execution rate</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <source>高拍仪、文件夹与文件采集，识别并核对票据字段</source>
        <translation>Capture from document cameras, folders and files; read and check voucher fields</translation>
    </message>
</context>
<context>
    <name>MyApplicationsView</name>
    <message>
        <location filename="../../app/ui/applications_view.py" line="210"/>
        <source>元</source>
        <translation>yuan</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="72"/>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="167"/>
        <source>共 {0} 笔</source>
        <translation>{0} applications</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="94"/>
        <location filename="../../app/ui/applications_view.py" line="239"/>
        <location filename="../../app/ui/applications_view.py" line="245"/>
        <source>删除草稿</source>
        <translation>Delete draft</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="92"/>
        <source>复制为新申请</source>
        <translation>Copy to new</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="139"/>
        <source>复制为新申请（Ctrl+D）</source>
        <translation>Copy to new (Ctrl+D)</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="232"/>
        <source>已撤回，可以修改后重新提交。</source>
        <translation>Withdrawn; you can edit it and submit again.</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="95"/>
        <source>打印/PDF…</source>
        <translation>Print/PDF…</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="91"/>
        <source>打开/修改</source>
        <translation>Open/edit</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="76"/>
        <source>按用途、收款人、编号搜索</source>
        <translation>Search purpose, payee, number</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="93"/>
        <source>撤回待发送</source>
        <translation>Withdraw from queue</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="233"/>
        <source>撤回支付申请</source>
        <translation>Withdraw payment application</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="208"/>
        <source>收款人</source>
        <translation>Payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="203"/>
        <source>服务器意见</source>
        <translation>Server's message</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="72"/>
        <source>未发送（草稿/待发送/退回）</source>
        <translation>Unsent (draft/queued/returned)</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="213"/>
        <source>状态历史与审批轨迹</source>
        <translation>Status history and approval trail</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="97"/>
        <source>状态：</source>
        <translation>Status:</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="212"/>
        <source>用途</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="240"/>
        <source>确定删除这份草稿吗？删除后不能恢复。</source>
        <translation>Delete this draft? It cannot be recovered.</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="211"/>
        <source>经济科目</source>
        <translation>Economic class</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="198"/>
        <source>读取审批轨迹</source>
        <translation>Reading approval trail</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="162"/>
        <source>读取支付申请</source>
        <translation>Reading payment applications</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="210"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/applications_view.py" line="207"/>
        <source>（未编号）</source>
        <translation>(no number)</translation>
    </message>
</context>
<context>
    <name>NotificationBar</name>
    <message>
        <location filename="../../app/ui/status_panel.py" line="290"/>
        <source>没有通知</source>
        <translation>No notifications</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="263"/>
        <source>通知</source>
        <translation>Notifications</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="287"/>
        <source>通知 {0}</source>
        <translation>Notifications {0}</translation>
    </message>
</context>
<context>
    <name>PayeeBookDialog</name>
    <message>
        <location filename="../../app/ui/payee_book.py" line="67"/>
        <source>18 位居民身份证号（个人收款人）</source>
        <translation>18-digit resident ID number (personal payees)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="78"/>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="150"/>
        <source>保存收款人</source>
        <translation>Saving payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="86"/>
        <source>备注</source>
        <translation>Remarks</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="154"/>
        <source>已保存收款人 {0}</source>
        <translation>Payee {0} saved</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="82"/>
        <location filename="../../app/ui/payee_book.py" line="136"/>
        <source>所选收款人</source>
        <translation>Selected payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="55"/>
        <source>收款人名称或账号</source>
        <translation>Payee name or account number</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="50"/>
        <source>收款人地址簿</source>
        <translation>Payee address book</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="85"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="114"/>
        <source>读取收款人地址簿</source>
        <translation>Loading the payee address book</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="84"/>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
</context>
<context>
    <name>PayeeTableModel</name>
    <message>
        <location filename="../../app/ui/payee_book.py" line="37"/>
        <source>个人</source>
        <translation>Person</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="37"/>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="40"/>
        <source>备注</source>
        <translation>Remarks</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="36"/>
        <source>开户银行</source>
        <translation>Bank</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="34"/>
        <source>收款人</source>
        <translation>Payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="37"/>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="39"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="35"/>
        <source>账号</source>
        <translation>Account number</translation>
    </message>
    <message>
        <location filename="../../app/ui/payee_book.py" line="38"/>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
</context>
<context>
    <name>PaymentFormView</name>
    <message>
        <location filename="../../app/ui/payment_form.py" line="870"/>
        <source> 提示：{0}</source>
        <translation> Note: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="279"/>
        <source>18 位居民身份证号（个人收款人）</source>
        <translation>18-digit resident ID number (personal payees)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="272"/>
        <source>18 位统一社会信用代码（单位收款人）</source>
        <translation>18-character unified social credit code (organisations)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="591"/>
        <source>&lt;h2&gt;支付申请 {0}&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;Payment application {0}&lt;/h2&gt;</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="440"/>
        <source>&lt;h2&gt;新建支付申请&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;New payment application&lt;/h2&gt;</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="589"/>
        <source>&lt;h2&gt;新建支付申请（复制）&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;New payment application (copy)&lt;/h2&gt;</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="499"/>
        <source>不可执行指标</source>
        <translation>Not executable</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="888"/>
        <source>不能提交：{0}</source>
        <translation>Cannot submit: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="273"/>
        <source>个人收款人</source>
        <translation>Individual payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="283"/>
        <source>例如 12,345.67</source>
        <translation>e.g. 12,345.67</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="790"/>
        <source>保存草稿</source>
        <translation>Save draft</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="320"/>
        <source>保存草稿 (Ctrl+S)</source>
        <translation>Save draft (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="609"/>
        <source>复制支付申请</source>
        <translation>Copy payment application</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="731"/>
        <source>大写：人民币{0}</source>
        <translation>In words (Chinese): 人民币{0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="300"/>
        <source>对方不受理公务卡</source>
        <translation>Payee does not accept official cards</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="309"/>
        <source>开户银行</source>
        <translation>Bank</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="867"/>
        <source>当前离线：支付申请已排队，联网同步后自动发送。</source>
        <translation>Offline: the application is queued and will be sent at the next sync.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="326"/>
        <source>打印/PDF…</source>
        <translation>Print/PDF…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="304"/>
        <source>指标(&amp;I)</source>
        <translation>&amp;Indicator</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="518"/>
        <source>指标未细化经济科目，请选择具体科目</source>
        <translation>The indicator has no economic class: choose a specific one</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="322"/>
        <source>提交 (Ctrl+Enter)</source>
        <translation>Submit (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="859"/>
        <source>提交支付申请</source>
        <translation>Submit payment application</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="256"/>
        <source>搜索指标（F4）</source>
        <translation>Search indicators (F4)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="865"/>
        <source>支付申请已排队，正在发送到服务器。</source>
        <translation>The application is queued and being sent to the server.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="306"/>
        <source>收款人全称(&amp;P)</source>
        <translation>&amp;Payee name</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="308"/>
        <source>收款人账号</source>
        <translation>Payee account</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="504"/>
        <source>政府采购指标：必填</source>
        <translation>Government procurement indicator: required</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="325"/>
        <source>新建 (Ctrl+N)</source>
        <translation>New (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="594"/>
        <source>服务器意见：{0}</source>
        <translation>Server's message: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="636"/>
        <source>查找收款人</source>
        <translation>Find payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="677"/>
        <location filename="../../app/ui/payment_form.py" line="712"/>
        <source>校验通过</source>
        <translation>Valid</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="831"/>
        <source>添加附件</source>
        <translation>Add attachment</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="314"/>
        <source>用途(&amp;U)</source>
        <translation>P&amp;urpose</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="317"/>
        <source>经济科目</source>
        <translation>Economic class</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="315"/>
        <source>结算方式</source>
        <translation>Settlement</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="310"/>
        <source>统一社会信用代码</source>
        <translation>Unified social credit code</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="681"/>
        <source>统一社会信用代码不正确</source>
        <translation>Invalid unified social credit code</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="836"/>
        <source>草稿已保存（{0}）。</source>
        <translation>Draft saved ({0}).</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="311"/>
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="914"/>
        <source>请先保存草稿，再打印。</source>
        <translation>Save the draft before printing.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="776"/>
        <source>请先改正证件号码：{0}。</source>
        <translation>Correct the ID number first: {0}.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="881"/>
        <source>请填写{0}</source>
        <translation>Please fill in: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="478"/>
        <source>读取字典</source>
        <translation>Loading dictionaries</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="470"/>
        <source>读取指标</source>
        <translation>Reading indicator</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="568"/>
        <source>读取支付申请</source>
        <translation>Reading payment applications</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="259"/>
        <source>输入名称或账号，从收款人地址簿选择</source>
        <translation>Type a name or account number to pick from the address book</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="254"/>
        <source>输入指标编号，或按 F4 搜索</source>
        <translation>Type an indicator number, or press F4 to search</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="672"/>
        <location filename="../../app/ui/payment_form.py" line="708"/>
        <source>还差 {0} 位</source>
        <translation>{0} more characters</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="255"/>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="318"/>
        <source>采购合同编号</source>
        <translation>Procurement contract no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="730"/>
        <source>金额必须大于 0</source>
        <translation>The amount must be greater than 0</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="312"/>
        <source>金额（元）(&amp;A)</source>
        <translation>&amp;Amount (yuan)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="824"/>
        <source>附件已添加。</source>
        <translation>Attachment added.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="517"/>
        <source>限于指标的经济科目 {0} 及其下级</source>
        <translation>Limited to the indicator's economic class {0} and below</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="504"/>
        <source>非政府采购，无需填写</source>
        <translation>Not a procurement indicator: not needed</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="759"/>
        <source>预算检查</source>
        <translation>Budget check</translation>
    </message>
    <message>
        <location filename="../../app/ui/payment_form.py" line="511"/>
        <source>（请选择经济科目）</source>
        <translation>(choose an economic class)</translation>
    </message>
</context>
<context>
    <name>PaymentsView</name>
    <message>
        <location filename="../../app/ui/payments_view.py" line="505"/>
        <source>下载批次文件</source>
        <translation>Downloading the batch file</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="432"/>
        <source>业务处室可查看本处室所管单位的支付凭证；生成凭证、导出、回单、退款与更正由国库支付中心办理。</source>
        <translation>A bureau division can view the vouchers of the units it oversees; vouchers, exports, write-backs, refunds and corrections are handled by the treasury payment centre.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="203"/>
        <source>代理银行</source>
        <translation>Agent bank</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="465"/>
        <location filename="../../app/ui/payments_view.py" line="497"/>
        <source>保存银行支付文件</source>
        <translation>Save the bank payment file</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="567"/>
        <source>凭证 {0} 已更正，前后版本均已留存。</source>
        <translation>Voucher {0} corrected; both versions are kept.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="543"/>
        <source>凭证 {0} 已退款 {1} 元，指标额度已恢复。</source>
        <translation>Voucher {0}: {1} yuan refunded, the indicator balance is restored.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="428"/>
        <source>凭证 {0} 张：待回单 {1}，已支付 {2}，已退票 {3}，已退款 {4}；待生成凭证 {5} 笔</source>
        <translation>{0} vouchers: {1} awaiting write-back, {2} paid, {3} bounced, {4} refunded; {5} applications awaiting a voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="220"/>
        <source>凭证无回单</source>
        <translation>Vouchers without write-back</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="603"/>
        <source>凭证无回单 {0} 张，合计 {1} 元（其中未发送银行 {2} 张）；回单无凭证 {3} 笔，合计 {4} 元。</source>
        <translation>{0} vouchers without write-back, total {1} yuan ({2} not yet sent to the bank); {3} write-backs without voucher, total {4} yuan.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="177"/>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="243"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="511"/>
        <source>回单文件 (*.csv *.xml);;所有文件 (*)</source>
        <translation>Write-back files (*.csv *.xml);;All files (*)</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="221"/>
        <source>回单无凭证</source>
        <translation>Write-backs without voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="185"/>
        <location filename="../../app/ui/payments_view.py" line="230"/>
        <source>对账</source>
        <translation>Reconciliation</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="186"/>
        <source>对账导出 Excel…</source>
        <translation>Export reconciliation to Excel…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="623"/>
        <source>对账报告已导出到 {0}</source>
        <translation>Reconciliation report exported to {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="518"/>
        <source>导入回单文件</source>
        <translation>Importing the write-back file</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="182"/>
        <source>导入回单文件…</source>
        <translation>Import write-back file…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="612"/>
        <location filename="../../app/ui/payments_view.py" line="622"/>
        <source>导出对账报告</source>
        <translation>Export the reconciliation report</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="490"/>
        <source>导出银行支付文件</source>
        <translation>Exporting the bank payment file</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="179"/>
        <source>导出银行文件…</source>
        <translation>Export bank file…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="378"/>
        <source>已取消。服务器上已完成的部分不会撤销：导出的批次可用“重新下载批次文件”取回，回单文件可以重新导入（已导入的流水会被跳过）。</source>
        <translation>Cancelled. What the server already finished is not undone: an exported batch can be fetched with "Download batch file again", a write-back file can be imported again (lines already imported are skipped).</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="480"/>
        <source>已导出批次 {0}：{1} 张凭证，合计 {2} 元，已保存到 {3}</source>
        <translation>Batch {0} exported: {1} vouchers, total {2} yuan, saved to {3}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="456"/>
        <source>已生成支付凭证 {0}（{1} 元）。</source>
        <translation>Payment voucher {0} issued ({1} yuan).</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="229"/>
        <source>待生成凭证</source>
        <translation>Awaiting voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="506"/>
        <source>批次 {0} 的文件已保存到 {1}（与导出时逐字节相同）。</source>
        <translation>The file of batch {0} was saved to {1} (byte for byte as exported).</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="214"/>
        <source>按 Ctrl+L 生成对账报告。</source>
        <translation>Press Ctrl+L to build the reconciliation report.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="266"/>
        <source>支付</source>
        <translation>Payments</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="228"/>
        <source>支付凭证</source>
        <translation>Payment voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="599"/>
        <source>支付成功</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="567"/>
        <source>更正</source>
        <translation>Correct</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="184"/>
        <source>更正…</source>
        <translation>Correct…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="595"/>
        <source>未发送银行</source>
        <translation>Not sent to the bank</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="201"/>
        <source>格式</source>
        <translation>Format</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="178"/>
        <source>生成凭证</source>
        <translation>Issue voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="576"/>
        <source>生成对账报告</source>
        <translation>Building the reconciliation report</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="455"/>
        <source>生成支付凭证</source>
        <translation>Issuing the payment voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="610"/>
        <source>请先生成对账报告（Ctrl+L）。</source>
        <translation>Build the reconciliation report first (Ctrl+L).</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="449"/>
        <source>请在“待生成凭证”中选择一笔已审批通过的申请。</source>
        <translation>Select an approved application under "Awaiting voucher".</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="326"/>
        <source>请等待当前操作完成（或按 Esc 取消）。</source>
        <translation>Wait for the current operation to finish (or press Esc to cancel).</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="495"/>
        <source>请选择一张已发送银行的凭证，重新下载它所在批次的文件。</source>
        <translation>Select a voucher already sent to the bank to download its batch file again.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="523"/>
        <source>请选择一张已支付且尚有可退金额的凭证。</source>
        <translation>Select a paid voucher with an amount left to refund.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="549"/>
        <source>请选择一张待回单或已支付的凭证进行更正。</source>
        <translation>Select a voucher awaiting write-back or paid to correct it.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="400"/>
        <source>读取支付凭证</source>
        <translation>Reading payment vouchers</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="543"/>
        <source>退款</source>
        <translation>Refund</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="183"/>
        <source>退款…</source>
        <translation>Refund…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="533"/>
        <source>退款金额：{0}</source>
        <translation>Refund amount: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="599"/>
        <source>退票</source>
        <translation>Bounced</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="510"/>
        <source>选择回单文件</source>
        <translation>Choose the write-back file</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="180"/>
        <source>重新下载批次文件…</source>
        <translation>Download batch file again…</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="466"/>
        <source>银行支付文件 (*.{0})</source>
        <translation>Bank payment file (*.{0})</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="393"/>
        <location filename="../../app/ui/payments_view.py" line="398"/>
        <location filename="../../app/ui/payments_view.py" line="573"/>
        <source>需要联网：支付业务在服务器上办理，当前离线。</source>
        <translation>Online access needed: payments are handled on the server, and you are offline.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="170"/>
        <source>默认格式</source>
        <translation>Default format</translation>
    </message>
</context>
<context>
    <name>PrintApplication</name>
    <message>
        <location filename="../../app/ui/print_application.py" line="181"/>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="119"/>
        <source>人民币</source>
        <translation>RMB </translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="181"/>
        <source>保存为 PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="149"/>
        <source>冻结</source>
        <translation>Frozen</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="110"/>
        <source>功能科目</source>
        <translation>Functional class</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="162"/>
        <source>单位负责人：</source>
        <translation>Head of unit:</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="150"/>
        <source>可用</source>
        <translation>Available</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="92"/>
        <source>国库集中支付申请书</source>
        <translation>Treasury Centralised Payment Application</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="148"/>
        <source>在途</source>
        <translation>In transit</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="162"/>
        <source>审核人：</source>
        <translation>Reviewer:</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="98"/>
        <source>客户端编号：</source>
        <translation>Client id:</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="147"/>
        <source>已支付</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="188"/>
        <source>已生成 PDF：{0}</source>
        <translation>PDF written: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="115"/>
        <source>开户银行</source>
        <translation>Bank</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="191"/>
        <source>打印支付申请</source>
        <translation>Print payment application</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="108"/>
        <location filename="../../app/ui/print_application.py" line="147"/>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="75"/>
        <source>支付申请</source>
        <translation>Payment applications</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="113"/>
        <source>收款人全称</source>
        <translation>Payee name</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="114"/>
        <source>收款人账号</source>
        <translation>Payee account</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="153"/>
        <source>状态历史与审批轨迹</source>
        <translation>Status history and approval trail</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="96"/>
        <source>状态：</source>
        <translation>Status:</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="117"/>
        <source>用途</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="96"/>
        <source>申请编号：</source>
        <translation>Application no.:</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="162"/>
        <source>经办人：</source>
        <translation>Accountant:</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="112"/>
        <source>经济科目</source>
        <translation>Economic class</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="116"/>
        <source>结算方式</source>
        <translation>Settlement</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="122"/>
        <source>采购合同编号</source>
        <translation>Procurement contract no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="167"/>
        <source>金财桌面端打印于 </source>
        <translation>Printed by Jincai Desk on </translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="134"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="119"/>
        <source>金额（大写）</source>
        <translation>Amount (in words)</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="118"/>
        <source>金额（小写）</source>
        <translation>Amount (in figures)</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="109"/>
        <source>项目</source>
        <translation>Project</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="107"/>
        <source>预算单位</source>
        <translation>Budget unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="141"/>
        <source>预算情况（申请时本机数据，以服务器为准）</source>
        <translation>Budget (local figures at the time; the server's figures apply)</translation>
    </message>
    <message>
        <location filename="../../app/ui/print_application.py" line="96"/>
        <source>（未编号）</source>
        <translation>(no number)</translation>
    </message>
</context>
<context>
    <name>RecordPreviewTableModel</name>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="182"/>
        <source>否</source>
        <translation>No</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="182"/>
        <source>是</source>
        <translation>Yes</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <location filename="../../app/ui/payments_view.py" line="109"/>
        <source>可退金额</source>
        <translation>Refundable</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="106"/>
        <source>如：收款人账户有误，银行退回</source>
        <translation>e.g. wrong payee account, returned by the bank</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="108"/>
        <source>支付凭证</source>
        <translation>Payment voucher</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="102"/>
        <source>退款</source>
        <translation>Refund</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="111"/>
        <source>退款原因</source>
        <translation>Reason for the refund</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="110"/>
        <source>退款金额（元）</source>
        <translation>Refund amount (yuan)</translation>
    </message>
</context>
<context>
    <name>SettingsView</name>
    <message>
        <location filename="../../app/ui/settings_view.py" line="45"/>
        <source>保存设置</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="59"/>
        <source>数据库</source>
        <translation>Database</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="47"/>
        <source>服务器</source>
        <translation>Server</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="49"/>
        <source>服务器地址</source>
        <translation>Server address</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="55"/>
        <source>本机数据</source>
        <translation>Data on this computer</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="60"/>
        <source>模式</source>
        <translation>Mode</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="60"/>
        <source>正式</source>
        <translation>Production</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="60"/>
        <source>演示模式</source>
        <translation>Demo mode</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="51"/>
        <source>界面与识别</source>
        <translation>Interface and OCR</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="53"/>
        <source>界面语言</source>
        <translation>UI language</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="40"/>
        <source>自动（优先 RapidOCR）</source>
        <translation>Automatic (RapidOCR first)</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="78"/>
        <source>设置已保存。</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <location filename="../../app/ui/settings_view.py" line="54"/>
        <source>识别引擎</source>
        <translation>OCR engine</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <location filename="../../app/ui/sign_in.py" line="99"/>
        <source>&lt;h2&gt;金财桌面端&lt;/h2&gt;&lt;p&gt;国库集中支付客户端&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Jincai Desk&lt;/h2&gt;&lt;p&gt;Treasury centralised payment client&lt;/p&gt;</translation>
    </message>
    <message>
        <source>业务处室</source>
        <translation>Bureau division</translation>
    </message>
    <message>
        <source>单位审核人</source>
        <translation>Unit reviewer</translation>
    </message>
    <message>
        <source>单位经办人</source>
        <translation>Unit accountant</translation>
    </message>
    <message>
        <source>单位负责人</source>
        <translation>Head of unit</translation>
    </message>
    <message>
        <source>单位财务负责人</source>
        <translation>Unit finance head</translation>
    </message>
    <message>
        <source>国库支付中心</source>
        <translation>Treasury payment centre</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="54"/>
        <source>地址中不能有空格</source>
        <translation>The address cannot contain spaces</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="52"/>
        <source>地址应以 https:// 或 http:// 开头，例如 https://jincai.example.gov.cn</source>
        <translation>The address must start with https:// or http://, e.g. https://jincai.example.gov.cn</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="115"/>
        <source>密码(&amp;P)</source>
        <translation>&amp;Password</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="304"/>
        <source>无法连接服务器：{0}。可以勾选“离线解锁”在本机继续工作。</source>
        <translation>Cannot reach the server {0}. Tick “Offline unlock” to keep working on this computer.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="113"/>
        <source>服务器地址(&amp;S)</source>
        <translation>&amp;Server address</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="135"/>
        <source>演示模式：选择一个演示用户（密码自动填入）</source>
        <translation>Demo mode: pick a demo user (the password is filled in)</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="114"/>
        <source>用户名(&amp;U)</source>
        <translation>&amp;User name</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="230"/>
        <source>用户名中不能有空格</source>
        <translation>The user name cannot contain spaces</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="307"/>
        <source>用户名或密码不正确，或账户已被锁定。</source>
        <translation>Wrong user name or password, or the account is locked.</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="151"/>
        <location filename="../../app/ui/sign_in.py" line="289"/>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="93"/>
        <source>登录 — 金财桌面端</source>
        <translation>Sign in — Jincai Desk</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="108"/>
        <source>离线解锁（使用本机上次联网登录时保存的验证信息）</source>
        <translation>Offline unlock (with the verifier kept at the last online sign-in on this computer)</translation>
    </message>
    <message>
        <source>系统管理员</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="233"/>
        <source>请填写密码</source>
        <translation>Please enter the password</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="49"/>
        <source>请填写服务器地址</source>
        <translation>Please enter the server address</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="227"/>
        <source>请填写用户名</source>
        <translation>Please enter the user name</translation>
    </message>
    <message>
        <source>财政审核人</source>
        <translation>Finance reviewer</translation>
    </message>
    <message>
        <location filename="../../app/ui/sign_in.py" line="154"/>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
</context>
<context>
    <name>SyncStatusPanel</name>
    <message>
        <location filename="../../app/ui/status_panel.py" line="130"/>
        <source>{0} 条待发送命令</source>
        <translation>{0} commands waiting to be sent</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="136"/>
        <source>{0} 条预警尚未处置完毕（见“预警”页）</source>
        <translation>{0} warnings not yet disposed of (see the Warnings page)</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="127"/>
        <source>上次同步 {0}</source>
        <translation>Last sync {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="140"/>
        <source>冲突 {0}</source>
        <translation>Conflicts {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="74"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="192"/>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="63"/>
        <source>同步 (F5)</source>
        <translation>Sync (F5)</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="227"/>
        <source>同步失败：{0}</source>
        <translation>Sync failed: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="219"/>
        <source>同步完成。</source>
        <translation>Sync finished.</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="216"/>
        <source>同步完成：{0} 个支付申请有新的状态或处理结果。</source>
        <translation>Sync finished: {0} payment applications have a new status or answer.</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="232"/>
        <source>同步已取消，下次会从中断处继续。</source>
        <translation>Sync cancelled; the next one resumes where it stopped.</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="116"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="128"/>
        <source>尚未同步</source>
        <translation>Never synced</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="131"/>
        <source>待发送 {0}</source>
        <translation>To send {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="156"/>
        <source>新版本 {0} 可用</source>
        <translation>Version {0} available</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="226"/>
        <source>无法连接服务器，已转为离线工作；待发送内容保留在本机。</source>
        <translation>Cannot reach the server; working offline. Queued items stay on this computer.</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="144"/>
        <source>有 {0} 个新的审批任务。</source>
        <translation>{0} new approval tasks.</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="141"/>
        <source>服务器在您修改期间也改动了这些记录，请选择保留哪一方</source>
        <translation>The server changed these records while you were editing them: choose which version to keep</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="116"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="123"/>
        <source>读取同步状态</source>
        <translation>Reading sync status</translation>
    </message>
    <message>
        <location filename="../../app/ui/status_panel.py" line="135"/>
        <source>预警 {0}</source>
        <translation>Warnings {0}</translation>
    </message>
</context>
<context>
    <name>VoucherImageDialog</name>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="99"/>
        <source>原始大小 (1)</source>
        <translation>Actual size (1)</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="96"/>
        <source>放大 (Ctrl++)</source>
        <translation>Zoom in (Ctrl++)</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="97"/>
        <source>缩小 (Ctrl+-)</source>
        <translation>Zoom out (Ctrl+-)</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="98"/>
        <source>适合窗口 (0)</source>
        <translation>Fit to window (0)</translation>
    </message>
</context>
<context>
    <name>VoucherImageView</name>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="143"/>
        <source>没有图像</source>
        <translation>No image</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="163"/>
        <source>没有图像（文本层或 XML 文件）</source>
        <translation>No image (text layer or XML file)</translation>
    </message>
</context>
<context>
    <name>VoucherImagesPanel</name>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="393"/>
        <source>{0} 项校验未通过</source>
        <translation>{0} checks failed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="306"/>
        <source>下载凭证影像</source>
        <translation>Downloading voucher images</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="397"/>
        <source>全部 {0} 项校验通过</source>
        <translation>All {0} checks passed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="331"/>
        <source>图像下载失败</source>
        <translation>Image download failed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="334"/>
        <source>图像尚未下载</source>
        <translation>Image not downloaded yet</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="336"/>
        <source>图像尚未下载：联网后自动从服务器下载。</source>
        <translation>Image not downloaded yet: it is fetched from the server when you are online.</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="195"/>
        <source>放大查看</source>
        <translation>Enlarge</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="350"/>
        <source>识别字段</source>
        <translation>Field</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="350"/>
        <source>识别结果</source>
        <translation>OCR result</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="379"/>
        <source>该字段未通过校验</source>
        <translation>This field failed a check</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="360"/>
        <source>这笔申请没有附件。</source>
        <translation>This application has no attachments.</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="367"/>
        <source>（图像尚未下载）</source>
        <translation> (image not downloaded yet)</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_images.py" line="384"/>
        <source>（没有识别结果）</source>
        <translation>(no OCR result)</translation>
    </message>
</context>
<context>
    <name>VoucherReviewDialog</name>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="119"/>
        <source>保存更正</source>
        <translation>Save corrections</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="94"/>
        <source>关闭 (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="111"/>
        <source>更正已保存。</source>
        <translation>Corrections saved.</translation>
    </message>
    <message>
        <location filename="../../app/ui/attachments_panel.py" line="82"/>
        <source>核对识别结果 — {0}</source>
        <translation>Review recognition — {0}</translation>
    </message>
</context>
<context>
    <name>VoucherReviewView</name>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="277"/>
        <source>{0}　·　{1}</source>
        <translation>{0} · {1}</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="386"/>
        <source>二维码与票面一致：{0}</source>
        <translation>QR code matches the face: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="289"/>
        <source>人工更正（原：{0}）</source>
        <translation>Corrected (was: {0})</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="207"/>
        <source>保存更正</source>
        <translation>Save corrections</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="188"/>
        <source>原图</source>
        <translation>Original</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="379"/>
        <source>发票代码格式正确</source>
        <translation>Invoice code is well formed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="380"/>
        <source>发票号码格式正确</source>
        <translation>Invoice number is well formed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="197"/>
        <source>可信度</source>
        <translation>Confidence</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="187"/>
        <source>处理后</source>
        <translation>Processed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="376"/>
        <source>大写金额与小写一致</source>
        <translation>Amount in words matches the figures</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="340"/>
        <source>已人工更正。</source>
        <translation>Corrected by hand.</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="343"/>
        <source>已人工更正。原识别值：{0}（{1}）；更正人：{2}；时间：{3}</source>
        <translation>Corrected by hand. Value read: {0} ({1}); corrected by {2} at {3}</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="378"/>
        <source>开票日期有效</source>
        <translation>Issue date is valid</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="279"/>
        <source>无需识别（文本层/XML）</source>
        <translation>No OCR needed (text layer/XML)</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="368"/>
        <source>有 {0} 项校验未通过，红色字段请对照原件核对。</source>
        <translation>{0} checks failed: compare the red fields with the original.</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="344"/>
        <source>未知</source>
        <translation>unknown</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="330"/>
        <source>未能识别，请对照原件填写。</source>
        <translation>Could not be read: fill it in from the original.</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="290"/>
        <source>未识别</source>
        <translation>not read</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="196"/>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="226"/>
        <source>校验</source>
        <translation>Check</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="328"/>
        <source>校验未通过</source>
        <translation>Check failed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="381"/>
        <source>校验码格式正确</source>
        <translation>Check code is well formed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="364"/>
        <source>疑似重复报销：这张凭证已附在{0}。</source>
        <translation>Possible duplicate claim: this voucher is already attached to {0}.</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="382"/>
        <source>票据代码/号码格式正确</source>
        <translation>Bill code/number are well formed</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="329"/>
        <source>识别可信度低，请对照原件核对。</source>
        <translation>Low OCR confidence: compare with the original.</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="196"/>
        <source>识别结果</source>
        <translation>OCR result</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="383"/>
        <source>购买方统一社会信用代码校验通过</source>
        <translation>Buyer's unified social credit code is valid</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="377"/>
        <source>金额 + 税额 = 价税合计</source>
        <translation>Amount + tax = total</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="384"/>
        <source>销售方统一社会信用代码校验通过</source>
        <translation>Seller's unified social credit code is valid</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="208"/>
        <source>附加到支付申请</source>
        <translation>Attach to payment application</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="196"/>
        <source>项目</source>
        <translation>Project</translation>
    </message>
    <message>
        <location filename="../../app/ui/voucher_review.py" line="342"/>
        <source>（未识别）</source>
        <translation>(not read)</translation>
    </message>
</context>
<context>
    <name>VoucherTableModel</name>
    <message>
        <location filename="../../app/ui/payments_view.py" line="71"/>
        <source>凭证号</source>
        <translation>Voucher no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="72"/>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="65"/>
        <source>已支付</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="66"/>
        <source>已退款</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="79"/>
        <source>已退款 {0} 元</source>
        <translation>{0} yuan refunded</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="66"/>
        <source>已退票</source>
        <translation>Bounced</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="65"/>
        <source>待回单</source>
        <translation>Awaiting write-back</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="81"/>
        <source>批次</source>
        <translation>Batch</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="73"/>
        <source>收款人</source>
        <translation>Payee</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="81"/>
        <source>未发送</source>
        <translation>Not sent</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="77"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="83"/>
        <source>申请号</source>
        <translation>Application no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/payments_view.py" line="75"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
</context>
<context>
    <name>WarningTableModel</name>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="69"/>
        <source>已书面说明（待认定）</source>
        <translation>Explained in writing (awaiting ruling)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="70"/>
        <source>已关闭</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="71"/>
        <source>已排除</source>
        <translation>Dismissed</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="74"/>
        <source>已整改（待复核）</source>
        <translation>Rectified (awaiting review)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="70"/>
        <source>已确认</source>
        <translation>Confirmed</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="75"/>
        <source>待发送</source>
        <translation>Queued</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="71"/>
        <source>待处理</source>
        <translation>To be handled</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="69"/>
        <source>待处置</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="61"/>
        <source>指标/申请</source>
        <translation>Indicator/application</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="75"/>
        <source>整改完成</source>
        <translation>Rectification confirmed</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="64"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="73"/>
        <source>核实无误（待复核）</source>
        <translation>Verified correct (awaiting review)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="62"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="54"/>
        <source>红色</source>
        <translation>Red</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="57"/>
        <source>级别</source>
        <translation>Level</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="54"/>
        <source>蓝色</source>
        <translation>Blue</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="59"/>
        <source>规则</source>
        <translation>Rule</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="72"/>
        <source>认定正常</source>
        <translation>Ruled normal</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="74"/>
        <source>认定违规</source>
        <translation>Ruled a violation</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="60"/>
        <source>说明</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="72"/>
        <source>需要核实</source>
        <translation>Verification requested</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="54"/>
        <source>黄色</source>
        <translation>Yellow</translation>
    </message>
</context>
<context>
    <name>WarningsView</name>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="373"/>
        <source>“{0}”已保存，将随下次同步发送。</source>
        <translation>“{0}” saved; it will be sent at the next sync.</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="276"/>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="184"/>
        <source>书面说明</source>
        <translation>Written explanation</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="86"/>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="342"/>
        <source>凭证文件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.xml);;所有文件 (*)</source>
        <translation>Voucher files (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.xml);;All files (*)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="88"/>
        <source>只看待我处理</source>
        <translation>Only those awaiting me</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="296"/>
        <source>处理</source>
        <translation>Step</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="296"/>
        <source>处理人</source>
        <translation>By</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="310"/>
        <source>处理记录</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="105"/>
        <source>处理说明：原因、依据与整改措施（随下次同步发送）</source>
        <translation>Note: reason, basis and corrective measures (sent at the next sync)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="290"/>
        <source>处置流程：财政认定正常或要求核实 → 单位反馈（核实无误/已整改，附证明材料） → 财政复核关闭或认定违规。</source>
        <translation>Disposition: the finance bureau rules it normal or asks for verification → the unit answers (verified correct / rectified, with supporting files) → the bureau closes it or rules a violation.</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="280"/>
        <source>已处理，等待同步发送。</source>
        <translation>Handled; waiting to be sent at the next sync.</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="183"/>
        <source>已整改</source>
        <translation>Rectified</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="282"/>
        <source>当前无需您处理。</source>
        <translation>Nothing for you to do now.</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="319"/>
        <source>待发送</source>
        <translation>Queued</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="277"/>
        <source>您可以：{0}</source>
        <translation>You may: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="287"/>
        <source>情况说明</source>
        <translation>Explanation</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="189"/>
        <source>提交说明</source>
        <translation>Send explanation</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="296"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="324"/>
        <source>服务器未接受</source>
        <translation>Not accepted by the server</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="183"/>
        <source>核实无误</source>
        <translation>Verified correct</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="111"/>
        <source>添加附件… (Ctrl+O)</source>
        <translation>Add attachment… (Ctrl+O)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="286"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="182"/>
        <source>确认整改</source>
        <translation>Confirm rectification</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="86"/>
        <source>红色预警</source>
        <translation>Red warnings</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="117"/>
        <source>联系人及电话（单位反馈）</source>
        <translation>Contact person and phone (unit's answer)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="86"/>
        <source>蓝色预警</source>
        <translation>Blue warnings</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="181"/>
        <source>认定正常</source>
        <translation>Rule normal</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="182"/>
        <source>认定违规</source>
        <translation>Rule violation</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="296"/>
        <source>说明</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="213"/>
        <source>读取预警</source>
        <translation>Reading warnings</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="341"/>
        <source>选择证明材料</source>
        <translation>Choose supporting files</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="296"/>
        <source>附件</source>
        <translation>Attachments</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="335"/>
        <source>附件 %n 个</source>
        <translation>%n attachment(s)</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="181"/>
        <source>需要核实</source>
        <translation>Request verification</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="378"/>
        <source>预警处理</source>
        <translation>Warning disposition</translation>
    </message>
    <message>
        <location filename="../../app/ui/warnings_view.py" line="86"/>
        <source>黄色预警</source>
        <translation>Yellow warnings</translation>
    </message>
</context>
<context>
    <name>_FilePage</name>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="226"/>
        <source>Excel 工作簿 (*.xlsx *.xlsm *.xls *.ods);;所有文件 (*)</source>
        <translation>Excel workbooks (*.xlsx *.xlsm *.xls *.ods);;All files (*)</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="207"/>
        <source>只导入正确的行（默认：任何一行有错则全部不导入）</source>
        <translation>Import only the valid rows (default: nothing is imported if any row has an error)</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="217"/>
        <source>导入目标</source>
        <translation>Import target</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="214"/>
        <source>数据类型</source>
        <translation>Data type</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="213"/>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="195"/>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="225"/>
        <source>选择 Excel 文件</source>
        <translation>Choose an Excel file</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="191"/>
        <source>选择文件</source>
        <translation>Choose file</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="192"/>
        <source>选择要导入的 Excel 工作簿（.xlsx、.xls、.ods）和数据类型。</source>
        <translation>Choose the Excel workbook (.xlsx, .xls, .ods) and the kind of data to import.</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="215"/>
        <source>预算年度</source>
        <translation>Fiscal year</translation>
    </message>
</context>
<context>
    <name>_ImportPage</name>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="299"/>
        <source>取消导入</source>
        <translation>Cancel import</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="293"/>
        <source>导入</source>
        <translation>Import</translation>
    </message>
</context>
<context>
    <name>_PreviewPage</name>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="284"/>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="282"/>
        <source>保存标注副本</source>
        <translation>Save annotated copy</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="244"/>
        <source>保存标注错误的副本…</source>
        <translation>Save a copy with the errors marked…</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="242"/>
        <source>停止校验</source>
        <translation>Stop checking</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="248"/>
        <source>只导入正确的行</source>
        <translation>Import only the valid rows</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="265"/>
        <source>将导入的行</source>
        <translation>Rows to import</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="236"/>
        <source>逐行校验，不写入任何数据。</source>
        <translation>Checks every row without writing anything.</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="264"/>
        <source>错误</source>
        <translation>Errors</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_wizard.py" line="235"/>
        <source>预览与校验</source>
        <translation>Preview and check</translation>
    </message>
</context>
<context>
    <name>language</name>
    <message>
        <location filename="../../app/ui/tasks.py" line="51"/>
        <source>zh_CN</source>
        <translation>en</translation>
    </message>
</context>
<context>
    <name>startup</name>
    <message>
        <location filename="../../app/ui/application.py" line="190"/>
        <source>启动本机服务器</source>
        <translation>Start the local server</translation>
    </message>
    <message>
        <location filename="../../app/ui/application.py" line="102"/>
        <source>恢复最近的备份</source>
        <translation>Restore the latest backup</translation>
    </message>
    <message>
        <location filename="../../app/ui/application.py" line="114"/>
        <source>无法打开本地数据库</source>
        <translation>Cannot open the local database</translation>
    </message>
    <message>
        <location filename="../../app/ui/application.py" line="100"/>
        <source>本地数据库已损坏</source>
        <translation>The local database is damaged</translation>
    </message>
    <message>
        <location filename="../../app/ui/application.py" line="175"/>
        <source>正在启动本机演示服务器…</source>
        <translation>Starting the local demo server…</translation>
    </message>
    <message>
        <location filename="../../app/ui/application.py" line="106"/>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../../app/ui/application.py" line="104"/>
        <source>重新开始（保留未发送草稿）</source>
        <translation>Start fresh (keeping unsent drafts)</translation>
    </message>
</context>
<context>
    <name>status</name>
    <message>
        <location filename="../../app/ui/formatting.py" line="99"/>
        <source>已审批（待发送）</source>
        <translation>Decided (to send)</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="97"/>
        <source>已审核</source>
        <translation>Approved</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="97"/>
        <source>已拒绝</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="96"/>
        <source>已提交</source>
        <translation>Submitted</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="98"/>
        <source>已支付</source>
        <translation>Paid</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="96"/>
        <source>已退回</source>
        <translation>Returned</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="95"/>
        <source>待发送</source>
        <translation>Queued</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="98"/>
        <source>待审批</source>
        <translation>Pending</translation>
    </message>
    <message>
        <location filename="../../app/ui/formatting.py" line="95"/>
        <source>草稿</source>
        <translation>Draft</translation>
    </message>
</context>
<context>
    <name>tasks</name>
    <message>
        <location filename="../../app/ui/tasks.py" line="67"/>
        <source>找不到文件：{0}</source>
        <translation>File not found: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/tasks.py" line="68"/>
        <source>操作失败：程序内部错误（{0}）。详细信息已写入日志，请联系管理员。</source>
        <translation>The operation failed: internal error ({0}). Details are in the log; please contact your administrator.</translation>
    </message>
    <message>
        <location filename="../../app/ui/tasks.py" line="63"/>
        <source>操作超时，请稍后重试。</source>
        <translation>The operation timed out; please try again later.</translation>
    </message>
    <message>
        <location filename="../../app/ui/tasks.py" line="65"/>
        <source>网络或文件访问失败（{0}），请检查后重试。</source>
        <translation>Network or file access failed ({0}); please check and try again.</translation>
    </message>
</context>
</TS>
