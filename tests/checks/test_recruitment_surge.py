from mlm_audit.checks import recruitment_surge as check


def org(root, monthly, start_year=2024):
    """An organization whose root joined in 2023-06 and ``monthly[k]`` agents in month k+1."""
    rows = [{"agent_id": root, "sponsor_id": "", "joined_at": "2023-06-01"}]
    prev = root
    for k, count in enumerate(monthly):
        for j in range(count):
            aid = f"{root}-{k}-{j}"
            # a chain inside each month so the tree is deep, not only wide
            rows.append({"agent_id": aid, "sponsor_id": prev,
                         "joined_at": f"{start_year}-{k + 1:02d}-{j % 28 + 1:02d}"})
            prev = aid if j % 5 == 0 else prev
    return rows


def run(net, **params):
    return list(check.run(net, check.Params(**params)))


def test_example_validates(yaml_example):
    for rule in yaml_example(check):
        assert rule["check"] == "recruitment_surge"
        check.Params(**rule["params"])


def test_doubling_organization_fires(make_network):
    net = make_network(org("R", [3, 7, 15, 31]) + org("S", [25, 25, 25, 25]))
    found = run(net)
    assert [(f.subject.kind, f.subject.id, f.period) for f in found] == [
        ("organization", "R", "2024-04")]
    ev = found[0].evidence
    assert ev["surge_months"] == {"2024-01": 3, "2024-02": 7, "2024-03": 15, "2024-04": 31}
    assert ev["growth"] == {"2024-02": round(7 / 3, 4), "2024-03": round(15 / 7, 4),
                            "2024-04": round(31 / 15, 4)}
    assert ev["joins_total"] == 57 and ev["agents"] == 57 and ev["chain"] == ["R"]


def test_steady_recruitment_is_benign(make_network):
    assert run(make_network(org("S", [25, 30, 35, 40, 45]))) == []


def test_boundary_exact_factor_is_not_growth(make_network):
    assert run(make_network(org("R", [3, 6, 12, 24]))) == []
    assert run(make_network(org("R", [3, 6, 12, 24])), factor=1.99)[0].period == "2024-04"


def test_boundary_min_joins_and_months(make_network):
    net = make_network(org("R", [3, 7, 15, 31]))
    assert len(run(net, min_joins=31)) == 1
    assert run(net, min_joins=32) == []
    assert run(net, months=4) == []
    assert run(net, months=2)[0].period == "2024-04"
    assert run(net, months=2, min_joins=15)[0].period == "2024-03"


def test_month_without_joins_breaks_the_run(make_network):
    assert run(make_network(org("R", [3, 7, 0, 15, 31, 63]))) == []
    assert run(make_network(org("R", [3, 7, 0, 15, 31, 63])), months=2)[0].period == "2024-06"
