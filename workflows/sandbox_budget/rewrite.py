"""The rewrite that puts diagram code on its budget, after RestrictedPython has checked it."""
from __future__ import annotations

import ast

from RestrictedPython import RestrictingNodeTransformer

_OPERATOR_NAMES = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Add: "_add_", ast.Mod: "_mod_"}


def _call(name: str, args: list, like: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[]), like)


class BudgetRewriter(ast.NodeTransformer):
    """Insert the step calls and route the operators through the checks (runs after RestrictedPython)."""

    def _loop(self, node):
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(_call("_step_", [], node)), node))
        return node

    visit_For = visit_While = visit_FunctionDef = _loop

    def visit_Lambda(self, node: ast.Lambda):
        self.generic_visit(node)
        node.body = ast.copy_location(ast.BoolOp(ast.And(), [_call("_step_", [], node), node.body]), node.body)
        return node

    def visit_comprehension(self, node: ast.comprehension):
        self.generic_visit(node)
        node.ifs.insert(0, _call("_step_", [], node.target))
        return node

    def visit_BinOp(self, node: ast.BinOp):
        self.generic_visit(node)
        name = _OPERATOR_NAMES.get(type(node.op))
        return node if name is None else _call(name, [node.left, node.right], node)

    def _display(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) and any(isinstance(e, ast.Starred) for e in node.elts):
            return _call("_built_", [node], node)
        return node

    visit_List = visit_Tuple = _display

    def visit_FormattedValue(self, node: ast.FormattedValue):
        self.generic_visit(node)
        spec = node.format_spec or ast.Constant("")
        node.value = _call("_format_", [node.value, ast.Constant(node.conversion), spec], node.value)
        node.conversion, node.format_spec = -1, None
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr):
        self.generic_visit(node)
        return _call("_built_", [node], node)


class BudgetPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy; then, if it found nothing to refuse, the budget rewrite."""

    def visit_Module(self, node):
        return self._rewrite(super().visit_Module(node))

    def visit_Expression(self, node):
        return self._rewrite(super().visit_Expression(node))

    def _rewrite(self, node):
        if not self.errors:
            BudgetRewriter().visit(node)
            ast.fix_missing_locations(node)
        return node
