# 邮件模板（简体中文），Project Fluent 格式。每种邮件一条消息，含 .subject（主题，折叠为一行）
# 与 .body（正文）。值写作 { $firm_name }；按值选择写作
# { $approved ->
#      [true] 已通过
#     *[false] 未通过
# }；值可能为空的行写作 { PRESENT($reason) -> [yes] … *[no] {""} }。
# 行首的空格写作 {"  "}。引用了邮件中不存在的值会报错，而不会留空。
# 每种邮件可用的值见 docs/EMAIL.md。修改后重启服务生效；有语法错误时服务不会启动，并指出出错的消息与行号。

firm_onboarding_decided =
    .subject = 【合创券】企业入库申请{ $approved ->
             [true] 已通过
            *[false] 未通过
        }：{ $firm_name }
    .body =
        { $firm_name }：

        贵单位（统一社会信用代码 { $credit_code }）的合创券企业入库申请已于 { $decided_at } 审核{ $approved ->
             [true] 通过。贵单位现可在开放时间内申领合创券。
            *[false] 未通过。

                理由：{ $reason }

                请按理由补正材料后重新提交申请。
        }

        此邮件由合创券服务平台自动发送，请勿直接回复。

application_returned =
    .subject = 【合创券】{ $applicant ->
             [provider] 服务机构入库申请
            *[firm] 企业入库申请
        }被退回补正：{ $party_name }
    .body =
        { $party_name }：

        贵单位（统一社会信用代码 { $credit_code }）的{ $applicant ->
             [provider] 服务机构入库申请
            *[firm] 企业入库申请
        }已于 { $returned_at } 被退回补正。请按以下各项修改资料或补传材料：

        { $corrections }

        修改完成后，请登录合创券服务平台，在{ $applicant ->
             [provider] “入库申请”
            *[firm] “企业信息”
        }页面点击“重新提交”。申请将重新进入审核。

        此邮件由合创券服务平台自动发送，请勿直接回复。

provider_listing_notice =
    .subject = 【合创券】服务机构入库申请进入公示：{ $provider_name }
    .body =
        { $provider_name }：

        贵机构（统一社会信用代码 { $credit_code }）的服务机构入库申请已通过初审，现予公示。

        公示期：{ $notice_starts } 至 { $notice_ends }

        公示期内任何单位和个人均可提出异议。公示期满无异议的，贵机构将自动入库。

        此邮件由合创券服务平台自动发送，请勿直接回复。

provider_listing_decided =
    .subject = 【合创券】服务机构入库状态变更：{ $provider_name }{ $status ->
             [listed] 已入库
             [rejected] 未通过
             [suspended] 已暂停
             [delisted] 已移出
            *[other] { $status }
        }
    .body =
        { $provider_name }：

        贵机构（统一社会信用代码 { $credit_code }）的服务机构入库状态已于 { $decided_at } 变更为：{ $status ->
             [listed] 已入库。贵机构现可发布服务项目、接受企业以合创券支付的服务订单。
             [rejected] 未通过。
             [suspended] 暂停服务。暂停期间不能接受新的合创券订单。
             [delisted] 移出服务机构库。
            *[other] { $status }。
        }{ PRESENT($reason) ->
             [yes]
                {""}

                理由：{ $reason }
            *[no] {""}
        }

        此邮件由合创券服务平台自动发送，请勿直接回复。

claim_succeeded =
    .subject = 【合创券】{ $via_lottery ->
             [true] 摇号中签，
            *[false] {""}
        }领取成功：{ $voucher_code }，面额 { $amount } 元
    .body =
        { $firm_name }：

        贵单位已{ $via_lottery ->
             [true] 在{ $batch_name }摇号中中签并
            *[false] 成功申领{ $batch_name }，
        }获得合创券一张：

          券号：{ $voucher_code }
          面额：{ $amount } 元
          有效期至：{ $valid_until }

        请在有效期内向入库服务机构购买服务时使用。逾期未使用的额度将自动失效。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_requested =
    .subject = 【合创券】新的服务订单 { $order_no }：{ $service_title }，合同金额 { $contract_amount } 元
    .body =
        { $provider_name }：

        { $firm_name }使用合创券 { $voucher_code } 向贵机构下单：

          订单号：{ $order_no }
          服务项目：{ $service_title }
          合同金额：{ $contract_amount } 元
          合创券支付：{ $covered_amount } 元
          企业自付：{ $own_amount } 元

        请登录平台接受或拒绝该订单。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_accepted =
    .subject = 【合创券】订单 { $order_no } 已被服务机构接受，合创券冻结 { $covered_amount } 元
    .body =
        { $firm_name }：

        { $provider_name }已接受订单 { $order_no }（{ $service_title }）。合创券 { $voucher_code } 中的 { $covered_amount } 元已冻结，服务确认后扣减；企业自付部分为 { $own_amount } 元。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_delivered =
    .subject = 【合创券】订单 { $order_no } 已交付，请确认：{ $service_title }
    .body =
        { $firm_name }：

        { $provider_name }已将订单 { $order_no }（{ $service_title }，合同金额 { $contract_amount } 元）标记为已交付，并上传了合同、发票和服务报告。

        请登录平台核对交付材料，确认服务或提出异议。确认后，合创券 { $voucher_code } 将扣减 { $covered_amount } 元。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_confirmed =
    .subject = 【合创券】订单 { $order_no } 已确认，合创券扣减 { $covered_amount } 元
    .body =
        { $provider_name }：

        { $firm_name }已确认订单 { $order_no }（{ $service_title }）的服务。合创券 { $voucher_code } 已扣减 { $covered_amount } 元，请在平台将该订单列入兑现申请，经审核和公示后按期拨付。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_disputed =
    .subject = 【合创券】订单 { $order_no } 有异议：{ $service_title }
    .body =
        { $provider_name }：

        { $firm_name }对订单 { $order_no }（{ $service_title }，合同金额 { $contract_amount } 元）的交付提出异议：

        {"  "}{ $reason }

        审核人员将与双方核实后处理。冻结的 { $covered_amount } 元在处理完毕前保持冻结。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_declined =
    .subject = 【合创券】订单 { $order_no } 未被接受：{ $service_title }
    .body =
        { $firm_name }：

        { $provider_name }未接受订单 { $order_no }（{ $service_title }，合同金额 { $contract_amount } 元）。

        理由：{ $reason }

        合创券 { $voucher_code } 未被冻结，可继续向其他入库服务机构购买服务。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_cancelled =
    .subject = 【合创券】订单 { $order_no } 已取消：{ $service_title }
    .body =
        { $firm_name }、{ $provider_name }：

        订单 { $order_no }（{ $service_title }，合同金额 { $contract_amount } 元）已由{ $cancelled_by ->
             [firm] 企业
             [provider] 服务机构
             [reviewer] 审核人员
            *[other] 平台
        }取消。

        理由：{ $reason }

        如合创券 { $voucher_code } 已为本订单冻结 { $covered_amount } 元，冻结已解除{ $cancelled_by ->
             [system] （合创券已过期的，该额度退回项目资金）
            *[other] {""}
        }。

        此邮件由合创券服务平台自动发送，请勿直接回复。

order_dispute_resolved =
    .subject = 【合创券】订单 { $order_no } 的异议已处理：{ $outcome ->
             [cancelled] 订单取消
            *[other] 交付有效
        }
    .body =
        { $firm_name }、{ $provider_name }：

        审核人员已处理订单 { $order_no }（{ $service_title }）的交付异议。

        { $outcome ->
             [cancelled] 结论：交付不符合约定，订单取消，合创券 { $voucher_code } 冻结的 { $covered_amount } 元已解除冻结。
            *[other] 结论：交付有效，请企业登录平台确认服务。
        }

        审核意见：{ $note }

        此邮件由合创券服务平台自动发送，请勿直接回复。

redemption_decided =
    .subject = 【合创券】兑现申请{ $approved ->
             [true] 已通过
            *[false] 未通过
        }：订单 { $order_no }，{ $amount } 元
    .body =
        { $provider_name }：

        订单 { $order_no }（合创券 { $voucher_code }）的兑现申请 { $amount } 元审核{ $approved ->
             [true] 通过，公示期满无异议后列入结算拨付。
            *[false] 未通过。

                理由：{ $reason }
        }

        此邮件由合创券服务平台自动发送，请勿直接回复。

payout_paid =
    .subject = 【合创券】{ $period } 兑现款已拨付：{ $amount } 元（{ $payout_ref }）
    .body =
        { $payee_name }：

        { $period } 期兑现款已于 { $paid_on } 拨付：

          付款单号：{ $payout_ref }
          金额：{ $amount } 元
          银行流水号：{ $bank_reference }

        如与到账情况不符，请与主管部门财务联系。

        此邮件由合创券服务平台自动发送，请勿直接回复。

payout_failed =
    .subject = 【合创券】{ $period } 兑现款拨付失败：{ $amount } 元（{ $payout_ref }）
    .body =
        { $payee_name }：

        { $period } 期兑现款 { $amount } 元（付款单号 { $payout_ref }）拨付失败。

        原因：{ $reason }

        请核对并更新收款账户信息。相关款项将列入下一期结算。

        此邮件由合创券服务平台自动发送，请勿直接回复。

voucher_expiring =
    .subject = 【合创券】合创券 { $voucher_code } 将于 { $valid_until } 到期，余额 { $balance } 元
    .body =
        { $firm_name }：

        贵单位的合创券 { $voucher_code } 还有 { $days_left } 天到期：

          余额：{ $balance } 元
          有效期至：{ $valid_until }

        请在到期前向入库服务机构购买服务使用余额。到期后余额自动失效。

        此邮件由合创券服务平台自动发送，请勿直接回复。

settlement_awaiting_approval =
    .subject = 【合创券】结算批次 { $run_ref } 待审批：{ $payouts } 笔，合计 { $total } 元
    .body =
        您好：

        { $prepared_by } 已编制 { $period } 期结算批次 { $run_ref }，共 { $payouts } 笔付款，合计 { $total } 元，等待另一位财务人员审批。

        请登录平台核对后审批或退回。编制人不能审批自己编制的批次。

        此邮件由合创券服务平台自动发送，请勿直接回复。

certification_decided =
    .subject = 【合创券】{ $scheme_name }认定{ $certified ->
             [true] 通过
            *[false] 未通过
        }：{ $space_name }
    .body =
        { $space_name }：

        贵单位申报的{ $scheme_name }{ $certified ->
             [true] 已于 { $certified_on } 认定通过{ PRESENT($valid_until) ->
                     [yes] ，有效期至 { $valid_until }
                    *[no] {""}
                }。相关扶持自认定次月起享受。
            *[false] 未获认定。

                理由：{ $reason }
        }

        此邮件由合创券服务平台自动发送，请勿直接回复。

certification_revoked =
    .subject = 【合创券】{ $scheme_name }资格已撤销：{ $space_name }
    .body =
        { $space_name }：

        贵单位的{ $scheme_name }资格已于 { $revoked_on } 撤销，相关扶持自 { $benefits_stop } 起停止。

        理由：{ $reason }

        此邮件由合创券服务平台自动发送，请勿直接回复。

password_reset =
    .subject = 【合创券】重置登录密码
    .body =
        { $display_name }：

        { $by_administrator ->
             [true] 平台管理员为您的账户（用户名 { $username }）发送了密码重置链接。
            *[false] 有人在合创券服务平台为您的账户（用户名 { $username }）申请了重置密码。
        }请在 { $minutes } 分钟内（{ $expires_at } 前，北京时间）打开下面的链接设置新密码，链接只能使用一次：

        { $link }

        设置新密码后，所有设备上的登录都将失效，账户的登录锁定同时解除。如果这不是您本人的申请，请忽略此邮件，您的密码不会改变。

        此邮件由合创券服务平台自动发送，请勿直接回复。

contact_verification =
    .subject = 【合创券】请验证联系邮箱
    .body =
        { $party_name }：

        您在合创券服务平台提交了申请（用户名 { $username }），本邮箱登记为联系邮箱。请在 { $hours } 小时内（{ $expires_at } 前，北京时间）打开下面的链接确认，链接只能使用一次：

        { $link }

        邮箱验证后，申请才会进入审核。链接过期后，可登录平台在工作台重新发送。如果这不是您本人的申请，请忽略此邮件。

        此邮件由合创券服务平台自动发送，请勿直接回复。

spot_check_asked =
    .subject = 【合创券】回访抽查：请确认订单 { $order_no } 的服务是否如实交付
    .body =
        { $firm_name }：

        按合创券回访抽查制度，贵单位的以下服务已被随机抽中：

          订单号：{ $order_no }
          服务：{ $service }
          服务机构：{ $provider_name }
          合创券兑现金额：{ $amount } 元

        请于 { $answer_by }（北京时间）前登录平台确认该服务是否按发票所列如实交付：
        { $link }

        如实交付，确认即可；如未交付或与发票不符，请说明情况，主管部门将核查处理。逾期未答复的，将转为核查事项。

        此邮件由合创券服务平台自动发送，请勿直接回复。

finding_decided =
    .subject = 【合创券】核查结论：订单 { $order_no }，{ $outcome ->
             [no_issue] 无问题
             [corrected] 核减金额
            *[fraudulent] 查实未提供服务
        }
    .body =
        { $provider_name }：

        经回访抽查转入核查的以下服务，主管部门已听取双方意见并作出决定：

          订单号：{ $order_no }
          服务：{ $service }
          结论：{ $outcome ->
             [no_issue] 无问题，照常拨付
             [corrected] 核定合创券兑现金额为 { $corrected_amount } 元
            *[fraudulent] 查实未提供服务，不予拨付
        }
          理由：{ $reason }
        { PRESENT($owed_back) ->
            [yes] {""}
                该事项已拨付或已进入结算，多付的 { $owed_back } 元形成应退款项，将从贵机构后续的结算款中抵扣；也可直接汇回，由财务人员登记。
                {""}
           *[no] {""}
        }
        详情请登录平台查看：
        { $link }

        此邮件由合创券服务平台自动发送，请勿直接回复。

appeal_decided =
    .subject = 【合创券】申诉处理结果：{ $outcome ->
             [overturned] 撤销原决定
             [partly] 部分支持
            *[upheld] 维持原决定
        }
    .body =
        { $party_name }：

        您对以下决定提出的申诉已由另一位审核人员复核：

          事项：{ $subject_kind ->
             [redemption_item] 兑现事项
             [firm_onboarding] 企业入驻审核
             [provider_listing] 服务机构入库
             [finding] 回访抽查核查结论
             [clawback] 追回款项
            *[certification_application] 载体认定申请
          } { $subject }
          结果：{ $outcome ->
             [overturned] 撤销原决定，按正常流程继续办理
             [partly] 部分支持，核定金额改为 { $granted } 元，按正常流程继续办理
            *[upheld] 维持原决定
          }
          理由：{ $reason }

        请登录合创券平台查看详情。

appeal_overdue =
    .subject = 【合创券】申诉已超过处理期限：{ $party_name }
    .body =
        { $admin_name }：

        以下申诉已超过处理期限，尚未处理，请安排原决定人以外的审核人员尽快处理：

          申诉单位：{ $party_name }
          事项：{ $subject_kind ->
             [redemption_item] 兑现事项
             [firm_onboarding] 企业入驻审核
             [provider_listing] 服务机构入库
             [finding] 回访抽查核查结论
             [clawback] 追回款项
            *[certification_application] 载体认定申请
          } { $subject }
          提出时间：{ $filed_at }
          处理期限：{ $due_at }

credit_warning =
    .subject = 【合创券】信用等级警示：{ $provider_name } 当前为 { $grade } 级
    .body =
        { $provider_name }：

        根据近一年的服务记录（交付争议、逾期交付、回访抽查核查结论、追回款项和服务评价），贵机构的信用等级降为 { $grade } 级（{ $points } 分），按规则予以警示。

        等级继续下降的，将按规则暂停服务资格或出库。请登录合创券平台查看扣分原因。
