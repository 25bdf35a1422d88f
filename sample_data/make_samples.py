"""Regenerate the sample datasets (deterministic): ``python sample_data/make_samples.py``.

- ``wechat_shop/``: a 微商 back-office export, GBK CSV with Chinese headers, starter-kit
  ("代理礼包") entry, recruitment rewards, six levels; two deliberate data problems
  (a duplicate member id, a sponsor missing from the list).
- ``brand_xlsx/``: a retail-led brand export from another back office, XLSX with English
  headers, a title row above the header, Excel date cells; three levels, no entry fees.
- ``canonical/``: the canonical CSV layout (UTF-8, canonical headers, every column), clean.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2024, 7, 1)


# -- shared ----------------------------------------------------------------------------
def grow_tree(rng: random.Random, prefix: str, per_level: list[int], start: dt.datetime
              ) -> list[dict[str, object]]:
    """Agents level by level; each picks a sponsor from the level above (some recruit a lot,
    some nobody) and joins 1-20 days after it."""
    agents: list[dict[str, object]] = []
    prev: list[dict[str, object]] = []
    n = 0
    for depth, count in enumerate(per_level, start=1):
        level: list[dict[str, object]] = []
        weights = [rng.choice((1, 1, 2, 4, 8)) for _ in prev]
        for _ in range(count):
            n += 1
            sponsor = rng.choices(prev, weights)[0] if prev else None
            base = sponsor["joined"] if sponsor else start
            assert isinstance(base, dt.datetime)
            joined = base + dt.timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 1439))
            level.append({"id": f"{prefix}{n:04d}", "sponsor": sponsor["id"] if sponsor else "",
                          "joined": joined.replace(second=rng.randint(0, 59)), "depth": depth})
        agents.extend(level)
        prev = level
    return agents


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if encoding == "gbk" else "\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))


def pct(amount: Decimal, rate: str) -> Decimal:
    return (amount * Decimal(rate)).quantize(Decimal("0.01"))


# -- wechat_shop -----------------------------------------------------------------------
NICKS = ["小雨", "阿敏", "婷婷", "佳佳", "晓峰", "大伟", "丽丽", "芳芳", "静静", "小龙",
         "海燕", "明明", "思思", "雪梅", "建国", "春花"]
RANKS = {1: "联合创始人", 2: "总代", 3: "总代", 4: "一级代理", 5: "二级代理", 6: "二级代理"}
KITS = {"总代": Decimal("1999"), "联合创始人": Decimal("1999")}


def yuan(v: Decimal, rng: random.Random) -> str:
    """How 微商 back offices spell money: ￥ (GBK has no ¥), thousands separators, or bare."""
    style = rng.random()
    if style < 0.5:
        return f"￥{v:,.2f}"
    if style < 0.8:
        return f"{v:,.2f}"
    return f"{v:.2f}".removesuffix(".00")


def cn_time(t: dt.datetime, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.4:
        return f"{t.year}/{t.month}/{t.day} {t:%H:%M}"
    if style < 0.7:
        return f"{t.year}/{t.month}/{t.day}"
    if style < 0.85:
        return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M:%S}"
    return f"{t:%Y-%m-%d %H:%M:%S}"


def wechat_shop(out: Path) -> None:
    rng = random.Random(20240301)
    agents = grow_tree(rng, "W", [1, 3, 8, 20, 40, 34], dt.datetime(2023, 11, 1, 9, 0))
    # deliberate problem: W0097 was recruited by a member missing from the export
    next(a for a in agents if a["id"] == "W0097")["sponsor"] = "W0999"
    rows = []
    for a in agents:
        rank = RANKS[int(str(a["depth"]))]
        sponsor = a["sponsor"] or "总部"
        rows.append([a["id"], f"{rng.choice(NICKS)}{rng.randint(1, 99)}", sponsor,
                     f"{a['joined']:%Y-%m-%d %H:%M:%S}", rank])
    # deliberate problem: W0042 exported twice
    dup = next(r for r in rows if r[0] == "W0042")
    rows.append([dup[0], dup[1], dup[2], "2024-02-01 10:00:00", dup[4]])
    write_csv(out / "agents.csv", ["会员ID", "昵称", "推荐人ID", "注册时间", "代理等级"], rows,
              "gbk")

    by_id = {str(a["id"]): a for a in agents}
    orders: list[list[object]] = []
    payouts: list[list[object]] = []

    def add_order(buyer: str, seller: str, amount: Decimal, t: dt.datetime, kind: str) -> str:
        oid = f"E{2024000 + len(orders) + 1}"
        orders.append([oid, buyer, seller, yuan(amount, rng), cn_time(t, rng), kind])
        return oid

    def pay(to: str, amount: Decimal, t: dt.datetime, kind: str, src: str, oid: str) -> None:
        if to and to in by_id:
            payouts.append([f"YJ{len(payouts) + 1:05d}", to, yuan(amount, rng),
                            cn_time(t + dt.timedelta(days=7), rng), kind, src, oid])

    for a in agents:
        aid, joined = str(a["id"]), a["joined"]
        sponsor = str(a["sponsor"]) if a["sponsor"] in by_id else ""
        assert isinstance(joined, dt.datetime)
        if rng.random() < 0.88 or not sponsor:  # bought the agent pack to join
            rank = RANKS[int(str(a["depth"]))]
            kit = KITS.get(rank, Decimal("399"))
            oid = add_order(aid, sponsor, kit, joined + dt.timedelta(hours=1), "代理礼包")
            pay(sponsor, pct(kit, "0.30"), joined, "邀请奖励", aid, oid)
            grand = str(by_id[sponsor]["sponsor"]) if sponsor in by_id else ""
            pay(grand, pct(kit, "0.10"), joined, "团队奖", aid, oid)
        for k in range(rng.choice((0, 1, 1, 2))):  # stock up from the upline
            t = joined + dt.timedelta(days=10 + 15 * k)
            amount = Decimal(rng.choice((1200, 2400, 3600, 6000)))
            oid = add_order(aid, sponsor, amount, t, "进货")
            pay(sponsor, pct(amount, "0.05"), t, "级差", aid, oid)
        for _ in range(rng.choice((0, 0, 1, 2, 3))):  # a few retail sales to friends
            t = joined + dt.timedelta(days=rng.randint(3, 60), minutes=rng.randint(0, 600))
            amount = Decimal(rng.choice(("59.90", "99", "128", "268", "399")))
            oid = add_order(f"C{rng.randint(1, 400):05d}", aid, amount, t, "零售")
            pay(aid, pct(amount, "0.20"), t, "推广佣金", aid, oid)
    write_csv(out / "orders.csv", ["订单号", "下单用户ID", "推广员ID", "实付金额", "下单时间",
                                   "订单类型"], orders, "gbk")
    write_csv(out / "payouts.csv", ["流水号", "获得者ID", "佣金", "发放时间", "佣金类型",
                                    "来源用户ID", "关联订单号"], payouts, "gbk")


# -- brand_xlsx ------------------------------------------------------------------------
FIRST = ["Ava", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gia", "Hal", "Ivy", "Jon", "Kai",
         "Lea", "Max", "Nia", "Oli", "Pam", "Quin", "Rae"]
LAST = ["Chen", "Lim", "Tan", "Wong", "Ng", "Lee", "Goh", "Ong", "Koh", "Teo"]


def workbook(path: Path, title: str | None, header: list[str], rows: list[list[object]],
             formats: dict[int, str]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.active
    ws.title = path.stem
    if title:  # back offices often put a title and a blank row above the header
        ws.append([title])
        ws.append([])
    ws.append(header)
    for r in rows:
        ws.append(r)
        for col, fmt in formats.items():
            ws.cell(row=ws.max_row, column=col + 1).number_format = fmt
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(stable_zip(buf.getvalue()))


def stable_zip(data: bytes) -> bytes:
    """Same workbook, same bytes: rewrite the archive with fixed entry timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 7, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-07-01T00:00:00Z",
                              body)
            dst.writestr(fixed, body)
    return out.getvalue()


def brand_xlsx(out: Path) -> None:
    rng = random.Random(20240630)
    agents = grow_tree(rng, "AN-", [6, 20, 34], dt.datetime(2023, 6, 1, 9, 0))
    rows = [[a["id"], f"{rng.choice(FIRST)} {rng.choice(LAST)}", a["sponsor"] or None,
             a["joined"], rng.choice(("Member", "Member", "Silver", "Gold"))] for a in agents]
    workbook(out / "agents.xlsx", "Aurora Naturals - member export 2024-06-30",
             ["member_id", "full_name", "upline_id", "signup_time", "rank"], rows,
             {3: "yyyy-mm-dd hh:mm"})
    by_id = {str(a["id"]): a for a in agents}
    orders: list[list[object]] = []
    payouts: list[list[object]] = []
    for a in agents:
        aid, joined = str(a["id"]), a["joined"]
        assert isinstance(joined, dt.datetime)
        for _ in range(rng.randint(2, 6)):  # retail to outside customers drives the plan
            t = joined + dt.timedelta(days=rng.randint(1, 200), hours=rng.randint(0, 10))
            amount = Decimal(rng.choice(("29.90", "45.00", "68.50", "120.00", "89.90")))
            oid = f"SO-{10000 + len(orders)}"
            orders.append([oid, f"CUST-{rng.randint(1, 900):04d}", aid, float(amount), t,
                           "retail"])
            payouts.append([f"CM-{len(payouts) + 1:05d}", aid, float(pct(amount, "0.20")),
                            t + dt.timedelta(days=30), "direct", aid])
            sponsor = str(a["sponsor"])
            if sponsor in by_id:
                payouts.append([f"CM-{len(payouts) + 1:05d}", sponsor,
                                float(pct(amount, "0.03")), t + dt.timedelta(days=30),
                                "matchup", aid])
        if rng.random() < 0.2:  # a monthly autoship for personal use
            t = joined + dt.timedelta(days=35)
            orders.append([f"SO-{10000 + len(orders)}", aid, aid, 45.0, t, "autoship"])
    workbook(out / "orders.xlsx", None, ["order_no", "customer_id", "distributor_id",
                                         "total_amount", "order_date", "order_type"], orders,
             {3: "#,##0.00", 4: "yyyy-mm-dd"})
    workbook(out / "payouts.xlsx", None, ["commission_id", "receiver_id", "commission",
                                          "earned_at", "classify", "source_user_id"], payouts,
             {2: "#,##0.00", 3: "yyyy-mm-dd"})


# -- canonical -------------------------------------------------------------------------
def canonical(out: Path) -> None:
    rng = random.Random(20240101)
    agents = grow_tree(rng, "A", [2, 6, 14, 26, 22], dt.datetime(2023, 1, 10, 8, 0))
    rows = []
    for i, a in enumerate(agents):
        fee = "199.00" if i % 4 == 0 else "0"
        left = (f"{a['joined'] + dt.timedelta(days=180):%Y-%m-%d}"  # type: ignore[operator]
                if i % 17 == 5 else "")
        rows.append([a["id"], a["sponsor"], f"{a['joined']:%Y-%m-%dT%H:%M:%S}",
                     f"Agent {a['id']}", ("partner", "manager", "member")[min(i % 5, 2)], "",
                     left, fee])
    write_csv(out / "agents.csv", ["agent_id", "sponsor_id", "joined_at", "name", "rank",
                                   "placement_id", "terminated_at", "fees_paid"], rows, "utf-8")
    orders: list[list[object]] = []
    payouts: list[list[object]] = []
    for a in agents:
        aid, joined = str(a["id"]), a["joined"]
        assert isinstance(joined, dt.datetime)
        for _ in range(rng.randint(1, 4)):
            t = joined + dt.timedelta(days=rng.randint(1, 120))
            amount = Decimal(rng.choice(("35.00", "80.00", "150.00", "240.50")))
            kind = rng.choice(("retail", "retail", "retail", "self_purchase"))
            buyer = aid if kind == "self_purchase" else f"R{rng.randint(1, 500):04d}"
            returned = "35.00" if amount == Decimal("35.00") and rng.random() < 0.2 else "0"
            oid = f"O{len(orders) + 1:05d}"
            orders.append([oid, buyer, aid, f"{amount}", f"{t:%Y-%m-%d %H:%M:%S}", kind,
                           returned])
            payouts.append([f"P{len(payouts) + 1:05d}", aid, f"{pct(amount, '0.15')}",
                            f"{t + dt.timedelta(days=14):%Y-%m-%d}", "retail_commission", aid,
                            oid])
            if a["sponsor"]:
                payouts.append([f"P{len(payouts) + 1:05d}", a["sponsor"],
                                f"{pct(amount, '0.04')}", f"{t + dt.timedelta(days=14):%Y-%m-%d}",
                                "override", aid, oid])
    write_csv(out / "orders.csv", ["order_id", "buyer_id", "seller_id", "amount", "ordered_at",
                                   "kind", "returned_amount"], orders, "utf-8")
    write_csv(out / "payouts.csv", ["payout_id", "recipient_id", "amount", "paid_at", "kind",
                                    "source_agent_id", "source_order_id"], payouts, "utf-8")


def main() -> None:
    wechat_shop(HERE / "wechat_shop")
    brand_xlsx(HERE / "brand_xlsx")
    canonical(HERE / "canonical")


if __name__ == "__main__":
    main()
