"""The label catalogue (标签目录): the Chinese and English name of every code a user may see.

Tasks, processes, lanes and roles, audit actions, audit findings and their figures, loan, task and
settlement statuses, risk classes and the loan history's field names: one entry per code, ``(中文,
English)``. ``label(kind, code)`` answers in the request's language (Chinese outside a request); a
code missing from the catalogue never reaches the page as a raw ``snake_case`` key: it reads as the
kind's generic name (其他环节 / Other step) and is logged, so the gap is found and filled.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

log = logging.getLogger(__name__)

ROLES = {
    "system": ("系统", "System"),
    "township_clerk": ("镇乡街道经办人", "Township clerk"),
    "rural_bureau": ("区乡村振兴局", "District rural revitalisation bureau"),
    "bank_officer": ("银行客户经理", "Bank account manager"),
    "bank_approver": ("银行审批人", "Bank approver"),
    "finance_bureau": ("区财政局", "District finance bureau"),
    "supervisor": ("监管/金融事务中心", "Supervisor / financial affairs centre"),
    "admin": ("系统管理员", "System administrator"),
}
PROCESSES = {
    "microcredit_loan": ("小额信贷", "Microcredit loan"),
    "post_loan": ("贷后管理", "Post-loan management"),
    "risk_fund_topup": ("风险补偿金补充", "Risk compensation fund top-up"),
    "interest_subsidy_settlement": ("贴息结算", "Interest subsidy settlement"),
    "credit_rating_campaign": ("评级授信活动", "Rating campaign"),
    "credit_designation": ("信用户、信用村、信用镇评定", "Credit household, village and town designation"),
}
TASKS = {
    # microcredit_loan
    "register_application": ("登记申请", "Register application"),
    "check_loan_policy": ("政策检查", "Policy check"),
    "collect_violations": ("汇总违规代码", "Collect rule codes"),
    "confirm_eligibility": ("确认资格", "Confirm eligibility"),
    "investigate_credit": ("贷前调查与评级", "Pre-loan investigation and rating"),
    "look_up_credit_line": ("查询授信额度", "Look up the credit line"),
    "approve_loan": ("贷款审批", "Loan approval"),
    "look_up_rate_tenor": ("确定LPR期限", "Choose the LPR tenor"),
    "disburse_loan": ("签约放款", "Contract and disbursement"),
    "post_loan": ("贷后管理", "Post-loan management"),
    # post_loan
    "post_loan_visit": ("贷后走访", "Post-loan visit"),
    "supervise_visit": ("走访督办（乡镇）", "Visit follow-up (township)"),
    "supervise_visit_bank": ("走访督办（银行）", "Visit follow-up (bank)"),
    "maturity_reminder": ("到期提醒", "Maturity reminder"),
    "maturity_review": ("到期审查", "Maturity review"),
    "request_extension": ("申请展期", "Request an extension"),
    "approve_extension": ("展期审批", "Extension approval"),
    "recover_loan": ("清收处置", "Recovery"),
    "confirm_recovery": ("乡镇确认清收", "Township confirms the recovery"),
    "claim_compensation": ("风险补偿代偿", "Risk fund compensation"),
    # risk_fund_topup
    "record_topup": ("补充风险补偿金", "Top up the risk fund"),
    "review_overdue_topup": ("督办逾期补充", "Follow up an overdue top-up"),
    # interest_subsidy_settlement
    "review_subsidy_settlement": ("审核贴息清单", "Review the subsidy list"),
    "record_subsidy_payment": ("登记贴息拨付", "Record the subsidy payment"),
    "confirm_subsidy_passed_on": ("确认贴息到户", "Confirm the subsidy reached households"),
    # credit_rating_campaign, credit_designation
    "confirm_roster": ("核对花名册", "Check the roster"),
    "rate_households": ("逐户评级授信", "Rate each household"),
    "approve_ratings": ("审批评级结果", "Approve the ratings"),
    "publish_ratings": ("公示评级结果", "Publish the ratings"),
    "review_designations": ("审定信用户村镇", "Review the credit designations"),
}
LOAN_STATUSES = {
    "submitted": ("已受理", "Submitted"),
    "approved": ("已审批", "Approved"),
    "active": ("贷款发放", "Disbursed"),
    "extended": ("已展期", "Extended"),
    "overdue": ("逾期", "Overdue"),
    "recovering": ("清收中", "In recovery"),
    "closed": ("已结清", "Repaid"),
    "written_off": ("已核销", "Written off"),
    "rejected": ("已拒绝", "Rejected"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "declined": ("不予受理", "Declined"),
}
TASK_STATES = {
    "ready": ("待办理", "Waiting"),
    "completed": ("已完成", "Done"),
    "cancelled": ("已取消", "Cancelled"),
}
SETTLEMENT_STATUSES = {
    "scheduled": ("待计算", "Scheduled"),
    "computed": ("待审核", "Waiting for review"),
    "approved": ("已审核，待拨付", "Approved, not paid"),
    "paid": ("已拨付银行", "Paid to the bank"),
    "confirmed": ("已兑付到户", "Passed on to households"),
}
RISK_CLASSES = {
    "normal": ("正常", "Normal"),
    "special_mention": ("关注", "Special mention"),
    "substandard": ("次级", "Substandard"),
    "doubtful": ("可疑", "Doubtful"),
    "loss": ("损失", "Loss"),
}
ACTIONS = {
    "loan_registered": ("登记申请", "Application registered"),
    "application_withdrawn": ("撤回申请", "Application withdrawn"),
    "loan_imported": ("导入存量贷款", "Earlier loan imported"),
    "loans_imported": ("批量导入存量贷款", "Earlier loans imported"),
    "imported_loan_backfilled": ("补建存量贷款流程", "Imported loan given its process"),
    "households_imported": ("导入脱贫户名单", "Household list imported"),
    "household_registered": ("登记农户", "Household registered"),
    "task_completed": ("完成环节", "Step completed"),
    "task_claimed": ("认领任务", "Task claimed"),
    "task_unclaimed": ("交回任务", "Task released"),
    "task_reassigned": ("转交任务", "Task handed over"),
    "attempt_refused": ("操作被拒绝", "Attempt refused"),
    "process_error": ("流程出错", "Process error"),
    "repayment_recorded": ("登记还款", "Repayment recorded"),
    "loan_closed": ("贷款结清", "Loan closed"),
    "repayment_reversed": ("冲正还款", "Repayment reversed"),
    "attachment_added": ("上传附件", "File attached"),
    "comment_added": ("发表评论", "Comment added"),
    "post_loan_started": ("启动贷后管理", "Post-loan management started"),
    "post_loan_upgraded": ("升级贷后流程", "Post-loan process upgraded"),
    "dishonest_listed": ("列入失信名单", "Listed as a dishonest debtor"),
    "misuse_reported": ("报告挪用资金", "Misuse of funds reported"),
    "risk_fund_topup_started": ("启动风险补偿金补充", "Risk fund top-up started"),
    "risk_fund_compensation_unpaid": ("代偿未付", "Compensation not paid"),
    "subsidy_settlement_scheduled": ("排定贴息结算", "Subsidy settlement scheduled"),
    "subsidy_settlement_computed": ("计算贴息清单", "Subsidy list computed"),
    "credit_campaign_opened": ("启动评级授信工作", "Rating campaign opened"),
    "credit_rating_saved": ("保存评级", "Rating saved"),
    "credit_rating_approved": ("批准评级", "Rating approved"),
    "credit_rating_revoked": ("撤销评级", "Rating revoked"),
    "credit_designations_proposed": ("提出信用户村镇评定建议", "Credit designations proposed"),
    "credit_designations_published": ("公布信用户村镇", "Credit designations published"),
    "credit_designation_revoked": ("撤销信用评定", "Credit designation revoked"),
    "login": ("登录", "Signed in"),
    "logout": ("退出登录", "Signed out"),
    "login_failed": ("登录失败", "Failed sign-in"),
    "password_changed": ("修改密码", "Password changed"),
    "password_reset": ("重置密码", "Password reset"),
    "api_token_issued": ("签发API令牌", "API token issued"),
    "user_created": ("创建用户", "User created"),
    "user_updated": ("修改用户", "User changed"),
    "user_deactivated": ("停用用户", "User deactivated"),
    "user_reactivated": ("重新启用用户", "User reactivated"),
    "delegation_created": ("设置代理", "Delegation set"),
    "delegation_ended": ("结束代理", "Delegation ended"),
    "process_deployed": ("部署流程", "Process deployed"),
    "draft_created": ("创建草稿", "Draft created"),
    "draft_saved": ("保存草稿", "Draft saved"),
    "draft_deployed": ("发布草稿", "Draft deployed"),
    "instance_migrated": ("迁移流程实例", "Instance migrated"),
    "policy_setting_added": ("新增政策参数", "Policy setting added"),
    "lpr_imported": ("导入LPR", "LPR imported"),
    "lpr_published": ("发布LPR", "LPR published"),
    "timers_fired": ("定时器触发", "Timers fired"),
    "business_date_set": ("设置业务日期", "Business date set"),
    "business_date_reset": ("恢复实际日期", "Business date reset"),
}
FINDINGS = {
    "four_eyes": ("违反四眼原则：同一人办理了前后两个环节", "Four eyes broken: one user did both steps"),
    "outside_scope": ("超出本人所属镇街或银行范围办理", "Acted outside the user's township or bank"),
    "too_fast": ("审批用时短于最短审查时间", "Approved faster than the minimum review time"),
    "rate_over_cap": ("利率超过上限", "Rate above the cap"),
}
# The figures of a finding, as "用时 0.0 分钟": a template with ``{}`` where the value goes.
FINDING_FIELDS = {
    "minutes": ("用时 {} 分钟", "took {} minutes"),
    "limit": ("限 {} 分钟", "limit {} minutes"),
    "earlier_event_id": ("前一事件 #{}", "earlier event #{}"),
    "earlier_task": ("前一环节 {}", "earlier step {}"),
    "rate": ("利率 {}%", "rate {}%"),
    "cap": ("上限 {}%", "cap {}%"),
    "user_township_id": ("用户所属乡镇 #{}", "user's township #{}"),
    "user_bank_id": ("用户所属银行 #{}", "user's bank #{}"),
}
FIELDS = {
    "attachment_id": ("附件编号", "Attachment"), "file_name": ("文件名", "File name"), "sha256": ("SHA-256哈希值", "SHA-256"),
    "content_type": ("文件类型", "File type"), "size_bytes": ("大小（字节）", "Size (bytes)"),
    "status": ("状态", "Status"), "amount": ("申请金额", "Amount applied for"), "grade": ("信用等级", "Credit grade"),
    "credit_line": ("授信额度", "Credit line"), "recommended_amount": ("建议金额", "Recommended amount"),
    "recommended_term_months": ("建议期限（月）", "Recommended term (months)"),
    "approved_amount": ("批准金额", "Approved amount"), "approved_term_months": ("批准期限（月）", "Approved term (months)"),
    "annual_rate": ("年利率（%）", "Annual rate (%)"), "disbursed_on": ("放款日期", "Disbursed on"),
    "maturity_date": ("到期日", "Maturity date"), "principal_outstanding": ("贷款余额", "Principal outstanding"),
    "id_number": ("身份证号码", "Resident ID number"), "bank": ("承贷银行", "Bank"), "term_months": ("期限（月）", "Term (months)"),
    "purpose_category": ("用途类别", "Purpose category"), "purpose": ("贷款用途", "Purpose"), "kind": ("贷款类型", "Loan kind"),
    "eligible": ("是否符合条件", "Eligible"), "eligibility_note": ("资格核实意见", "Eligibility note"),
    "investigation_report": ("调查报告", "Investigation report"), "decision": ("审批决定", "Decision"),
    "investigation_decision": ("调查结论", "Investigation outcome"), "decline_reason": ("不予受理原因", "Reason for declining"),
    "approval_comment": ("审批意见", "Approval comment"), "contract_number": ("合同编号", "Contract number"),
    "account_number": ("放款账号", "Account number"), "": ("值", "Value"), "paid_on": ("还款日期", "Paid on"),
    "principal": ("本金", "Principal"), "principal_early": ("提前还本", "Principal repaid early"), "interest": ("利息", "Interest"), "penalty_interest": ("罚息", "Penalty interest"),
    "assignee": ("办理人", "Assignee"), "rate_cap": ("利率上限（%）", "Rate cap (%)"),
    "extension_count": ("展期次数", "Extensions"), "extension_months": ("展期月数", "Extension (months)"),
    "lpr_tenor": ("LPR期限", "LPR tenor"), "lpr_rate": ("LPR利率（%）", "LPR (%)"), "household_id": ("农户", "Household"),
    "township": ("镇乡街道", "Township"), "village": ("村（社区）", "Village"), "name": ("姓名", "Name"),
    "visit_date": ("走访日期", "Visit date"), "visit_note": ("走访记录", "Visit notes"),
    "funds_used_as_declared": ("资金按申报用途使用", "Funds used as declared"),
    "repayment_ability": ("还款能力", "Repayment ability"), "risk_class": ("风险分类", "Risk class"),
    "days_past_due": ("逾期天数", "Days past due"), "reason": ("原因", "Reason"), "comment": ("说明", "Comment"),
    "reversal_of": ("冲正的还款", "Reverses repayment"), "repayment_id": ("还款", "Repayment"),
    "import_source": ("导入来源", "Import source"), "unspecified": ("未注明", "Unspecified"),
    "violations": ("规则代码", "Rule codes"), "codes": ("规则代码", "Rule codes"),
}
SETTINGS = {  # the dated policy settings (workflows/data/policy_settings.csv)
    "subsidised_principal_cap": ("每户贴息本金上限（元）", "Subsidised principal cap per household (yuan)"),
    "covered_principal_cap": ("每户风险补偿本金上限（元）", "Covered principal cap per household (yuan)"),
    "subsidy_share": ("贴息比例（0–1）", "Subsidy share (0–1)"),
    "repayment_method": ("还款方式", "Repayment method"),
    "day_count_basis": ("计息基准天数", "Day-count basis (days)"),
    "penalty_rate_markup": ("罚息利率倍数", "Penalty rate multiple"),
    "visit_interval_months": ("贷后走访间隔（月）", "Visit interval (months)"),
    "maturity_reminder_days": ("到期前提醒天数", "Maturity reminder (days before)"),
    "max_extension_months": ("展期最长期限（月）", "Longest extension (months)"),
    "max_extensions": ("续贷或展期次数上限", "Most renewals or extensions"),
    "risk_threshold_substandard": ("次级：逾期天数", "Substandard after (days past due)"),
    "risk_threshold_doubtful": ("可疑：逾期天数", "Doubtful after (days past due)"),
    "risk_threshold_loss": ("损失：逾期天数", "Loss after (days past due)"),
    "risk_fund_ratio": ("风险补偿金放大倍数", "Risk fund ratio (balance : fund)"),
    "topup_due_days": ("补充风险补偿金期限（天）", "Top-up due within (days)"),
    "compensation_share": ("代偿比例", "Compensation share"),
    "min_review_minutes": ("审批最短审查时间（分钟）", "Shortest review before approval (minutes)"),
    "borrower_min_age": ("借款人最低年龄", "Youngest borrower (years)"),
    "borrower_max_age": ("借款人最高年龄", "Oldest borrower (years)"),
    "visit_escalation_days": ("走访逾期督办天数", "Visit follow-up after (days)"),
    "penalty_on_unpaid_interest": ("逾期利息计收复利（0/1）", "Penalty on unpaid interest (0/1)"),
    "credit_rating_validity_months": ("评级授信有效期（月）", "Rating valid for (months)"),
    "credit_household_overdue_months": ("信用户无逾期月数", "Credit household: months without overdue"),
    "credit_village_household_share": ("信用村信用户比例下限", "Credit village: least share of credit households"),
    "credit_village_overdue_rate": ("信用村逾期率上限", "Credit village: overdue rate limit"),
    "credit_town_village_share": ("信用镇信用村比例下限", "Credit town: least share of credit villages"),
}
SETTING_VALUES = {  # coded setting values (repayment_method)
    "interest_quarterly_principal_at_maturity": ("按季结息、到期还本", "Interest quarterly, principal at maturity"),
    "equal_instalments": ("等额本息", "Equal instalments"),
}
# What an unknown code of each kind reads as (never the raw key).
GENERIC = {
    "role": ("其他角色", "Other role"), "process": ("其他流程", "Other process"), "task": ("其他环节", "Other step"),
    "status": ("其他状态", "Other status"), "task_state": ("其他状态", "Other status"),
    "settlement_status": ("其他状态", "Other status"), "risk_class": ("未分类", "Not classified"),
    "action": ("其他操作", "Other action"), "finding": ("其他疑点", "Other finding"),
    "finding_field": ("{}", "{}"), "field": ("其他信息", "Other detail"), "setting": ("其他参数", "Other setting"),
    "setting_value": ("{}", "{}"),
}
CATALOGUE: dict[str, dict[str, tuple[str, str]]] = {
    "role": ROLES, "process": PROCESSES, "task": TASKS, "status": LOAN_STATUSES, "task_state": TASK_STATES,
    "settlement_status": SETTLEMENT_STATUSES, "risk_class": RISK_CLASSES, "action": ACTIONS, "finding": FINDINGS,
    "finding_field": FINDING_FIELDS, "field": FIELDS, "setting": SETTINGS,
    "setting_value": SETTING_VALUES,
}
_reported: set[tuple[str, str]] = set()


def _english() -> bool:
    try:
        from flask_babel import get_locale
        locale = get_locale()
    except Exception:  # noqa: BLE001 - outside a request or app: Chinese, the default
        return False
    return locale is not None and locale.language == "en"


def known(kind: str, code: str) -> bool:
    return code in CATALOGUE[kind]


def label(kind: str, code: str | None, fallback: str | None = None) -> str:
    """The name of ``code`` in the request's language; an unknown code reads as ``fallback`` or the
    kind's generic name, and is logged once."""
    pair = CATALOGUE[kind].get(code or "")
    if pair is None:
        if fallback:
            return fallback
        if (kind, str(code)) not in _reported:
            _reported.add((kind, str(code)))
            log.warning("label catalogue has no %s %r", kind, code)
        pair = GENERIC[kind]
    return pair[1] if _english() else pair[0]


def finding_detail(detail: dict) -> str:
    """A finding's figures as a sentence: ``用时 0.0 分钟，限 30 分钟，前一事件 #17``."""
    parts = []
    for key, value in detail.items():
        if value is None:
            continue
        if key == "earlier_task":
            value = label("task", str(value))
        parts.append(label("finding_field", key).format(value))
    return (", " if _english() else "，").join(parts)


def counted(number: int, measure: str, english: str) -> str:
    """A count with its measure word: ``counted(5, "笔贷款", "loans")`` → ``5 笔贷款`` / ``loans: 5``."""
    return f"{english}: {number}" if _english() else f"{number} {measure}"


class LabelMap(Mapping):
    """A read-only mapping view of one kind of the catalogue: ``names.get(code)`` never answers a raw key."""

    def __init__(self, kind: str):
        self.kind = kind

    def __getitem__(self, code: str) -> str:
        if code not in CATALOGUE[self.kind]:
            raise KeyError(code)
        return label(self.kind, code)

    def get(self, code, default=None):  # noqa: ARG002 - the default is the catalogue's generic name
        return label(self.kind, code)

    def __iter__(self) -> Iterator[str]:
        return iter(CATALOGUE[self.kind])

    def __len__(self) -> int:
        return len(CATALOGUE[self.kind])


def _form_fields() -> dict[str, tuple[object, dict]]:
    """Field name → (label, {choice value: choice label}) of every task form (forms/registry.py)."""
    if _FORM_FIELDS:
        return _FORM_FIELDS
    from wtforms.fields.core import UnboundField

    from forms.registry import TASK_FORMS
    for cls in TASK_FORMS.values():
        for name in dir(cls):
            field = getattr(cls, name, None)
            if not isinstance(field, UnboundField) or name in _FORM_FIELDS:
                continue
            text = field.args[0] if field.args else field.kwargs.get("label")
            choices = field.kwargs.get("choices") or ()
            if callable(choices):
                choices = ()
            pairs = {}
            for choice in choices:
                value, text_of = (getattr(choice, "value", None), getattr(choice, "label", None)) \
                    if hasattr(choice, "value") else tuple(choice)[:2]
                pairs[str(value)] = text_of
            if text:
                _FORM_FIELDS[name] = (text, pairs)
    return _FORM_FIELDS


_FORM_FIELDS: dict[str, tuple[object, dict]] = {}


def field_label(key: str) -> str:
    """A recorded field's name: the catalogue's, else the label of the task form that asks for it."""
    if key in FIELDS:
        return label("field", key)
    form_field = _form_fields().get(key)
    return str(form_field[0]) if form_field else label("field", key)


def field_choice(key: str, value) -> str | None:
    """The label of a choice a task form offers (``recover`` → 清收), or None."""
    form_field = _form_fields().get(key)
    choice = form_field[1].get(str(value)) if form_field else None
    return str(choice) if choice is not None else None


def setting_value(value: str) -> str:
    """A setting's value as read: a coded value (a repayment method) by its name with the code after it."""
    pair = SETTING_VALUES.get(value)
    return f"{pair[1] if _english() else pair[0]} ({value})" if pair else value


def setting_label(key: str) -> str:
    """A policy setting's name; a bank's own value (``repayment_method.cqrcb``) names the bank code after it."""
    base, _, bank = key.partition(".")
    name = label("setting", base)
    return f"{name}（{bank}）" if bank else name
