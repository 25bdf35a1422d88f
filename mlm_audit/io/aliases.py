"""Built-in header aliases (English and Chinese) and value aliases for kinds.

From ``reference/export-formats.md``: CRMEB, yudao, 微商 stock modules, genelet and others.
Headers are compared after normalization (case, spaces, ``_``/``-`` folded).
"""

from __future__ import annotations

import re

HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "agents": {
        "agent_id": ("agent_id", "id", "member_id", "memberid", "distributor_id", "user_id", "uid",
                     "member_code", "member_no", "会员ID", "会员编号", "会员号", "用户ID",
                     "用户编号", "分销商ID", "分销商编号", "代理ID", "代理编号"),
        "sponsor_id": ("sponsor_id", "sponsor", "upline_id", "uplineid", "sid", "parent_id",
                       "spread_uid", "referrer_id", "upline", "referrer", "bind_user_id", "上级ID",
                       "上级", "推荐人", "邀请人", "推广人", "上级编号", "上级会员ID", "推荐人ID",
                       "推荐人编号", "邀请人ID", "推广人ID", "上级分销商ID", "上级代理ID"),
        "joined_at": ("joined_at", "join_date", "joined", "signup_time", "signuptime", "created_at",
                      "signup_date", "register_time", "reg_time", "registered_at", "join_time",
                      "bind_user_time", "注册时间", "注册日期", "加入时间", "加入日期",
                      "成为分销商时间", "绑定时间"),
        "name": ("name", "full_name", "nickname", "login", "username", "user_name", "姓名",
                 "真实姓名", "会员姓名", "昵称", "会员名称", "代理姓名"),
        "rank": ("rank", "level", "level_name", "tier", "等级名称", "等级", "会员等级", "代理等级",
                 "分销等级"),
        "placement_id": ("placement_id", "pid", "placement_parent", "安置人ID", "接点人ID"),
        "terminated_at": ("terminated_at", "terminated", "left_at", "退出时间", "注销时间"),
        "fees_paid": ("fees_paid", "fee", "entry_fee", "joining_fee", "入会费", "加盟费", "入门费",
                      "代理费", "保证金"),
    },
    "orders": {
        "order_id": ("order_id", "id", "order_no", "order_sn", "订单号", "订单编号", "订单ID"),
        "buyer_id": ("buyer_id", "buyer", "customer_id", "user_id", "uid", "member_id", "买家",
                     "购买人", "买家ID", "下单用户ID", "会员ID", "购买人ID"),
        "seller_id": ("seller_id", "seller", "agent_id", "distributor_id", "分销商ID", "推广员ID",
                      "所属代理", "卖家ID", "代理ID", "推广员", "分销员ID"),
        "amount": ("amount", "total", "pay_price", "total_price", "total_amount", "实付金额",
                   "支付金额", "订单金额", "实付款", "pay_amount", "paid_amount", "金额"),
        "ordered_at": ("ordered_at", "order_date", "order_time", "date", "created_at", "paid_at",
                       "pay_time", "下单时间", "支付时间", "付款时间", "订单时间", "创建时间"),
        "kind": ("kind", "type", "order_type", "订单类型", "订单类别"),
        "returned_amount": ("returned_amount", "refund", "refund_amount", "退款金额", "退货金额"),
    },
    "payouts": {
        "payout_id": ("payout_id", "id", "record_id", "commission_id", "佣金ID", "记录ID",
                      "流水号"),
        "recipient_id": ("recipient_id", "recipient", "member_id", "user_id", "receiver_id",
                         "memberid", "获得者ID", "佣金获得人", "收益人ID", "获得人ID", "受益人ID",
                         "会员ID"),
        "amount": ("amount", "price", "commission", "reward_price", "佣金", "佣金金额", "奖励金额",
                   "收益金额", "bonus", "reward_amount", "金额"),
        "paid_at": ("paid_at", "date", "created_at", "earned_at", "发放时间", "结算时间",
                    "到账时间", "pay_time", "发放日期"),
        "kind": ("kind", "type", "classify", "payout_type", "佣金类型", "奖励类型"),
        "source_agent_id": ("source_agent_id", "source_user_id", "generator_id", "link_uid",
                            "来源用户ID", "来源会员ID", "贡献人ID", "下级ID"),
        "source_order_id": ("source_order_id", "link_id", "biz_id", "purchase_id", "order_id",
                            "关联订单号", "来源订单号", "订单号"),
    },
}

ORDER_KIND_ALIASES: dict[str, str] = {
    "零售": "retail", "retail": "retail", "sale": "retail", "consumer": "retail",
    "自购": "self_purchase", "self": "self_purchase", "self_purchase": "self_purchase",
    "autoship": "self_purchase", "进货": "stock_up", "囤货": "stock_up", "补货": "stock_up",
    "stock_up": "stock_up", "stock": "stock_up", "inventory": "stock_up", "入会礼包": "starter_kit",
    "礼包": "starter_kit", "starter_kit": "starter_kit", "starter": "starter_kit",
    "kit": "starter_kit", "入会费": "fee", "会费": "fee", "fee": "fee", "加盟费": "fee",
    "退货": "return", "退款": "return", "return": "return", "refund": "return",
    "普通订单": "retail", "普通": "retail", "代理进货": "stock_up", "拿货": "stock_up",
    "订货": "stock_up", "升级礼包": "starter_kit", "代理礼包": "starter_kit",
    "大礼包": "starter_kit", "代理费": "fee", "保证金": "fee", "售后退款": "return",
}
PAYOUT_KIND_ALIASES: dict[str, str] = {
    "推广佣金": "retail_commission", "分销佣金": "retail_commission",
    "销售佣金": "retail_commission", "retail_commission": "retail_commission",
    "direct": "retail_commission", "commission": "retail_commission", "差价": "retail_commission",
    "邀请奖励": "recruitment_bonus", "拉新奖励": "recruitment_bonus", "推荐奖": "recruitment_bonus",
    "直推奖": "recruitment_bonus", "recruitment_bonus": "recruitment_bonus",
    "referral": "recruitment_bonus", "recruit": "recruitment_bonus", "级差": "override",
    "平级奖": "override", "平级": "override", "override": "override", "间推奖": "override",
    "matchup": "override", "团队奖": "team_bonus", "团队奖励": "team_bonus",
    "team_bonus": "team_bonus", "binary": "team_bonus", "team": "team_bonus",
    "等级奖": "rank_bonus", "rank_bonus": "rank_bonus", "rank": "rank_bonus",
    "零售佣金": "retail_commission", "自购返佣": "retail_commission",
    "分享佣金": "retail_commission", "直推奖励": "recruitment_bonus",
    "推荐奖励": "recruitment_bonus", "育成奖": "override", "管理奖": "override",
    "团队分红": "team_bonus", "业绩奖": "team_bonus", "晋级奖": "rank_bonus", "其他": "other",
    "other": "other",
}
KIND_ALIASES = {"orders": ORDER_KIND_ALIASES, "payouts": PAYOUT_KIND_ALIASES}

def norm_kind(k: str) -> str:
    """Kind values compare lower-cased with runs of spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", k.strip().lower())


def norm_header(h: str) -> str:
    return "".join(ch for ch in h.strip().lower() if ch not in " _-\t\ufeff（）()")


def _index() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for table, cols in HEADER_ALIASES.items():
        m: dict[str, str] = {}
        for canon, names in cols.items():
            for n in names:
                m.setdefault(norm_header(n), canon)
        out[table] = m
    return out


ALIAS_INDEX = _index()
