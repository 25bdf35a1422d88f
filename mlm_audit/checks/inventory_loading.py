"""stub"""
from mlm_audit.checks.base import CheckParams


class Params(CheckParams):
    pass


def run(net, params):
    return []
