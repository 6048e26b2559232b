"""The README's layering table, held to the package's actual imports.

The table (written in nbs/index.ipynb, from which the README is generated) lists every module of `consistency_edu` in a
row and says what that row may import: nothing of ours, named modules, or the rows above it, with the exceptions it names
(`a` → `b`, `c`). Each module's imports of its own package (at the top and inside functions) are read with `ast`.
"""
import ast, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT/'consistency_edu'


def modules():
    return sorted(p.stem for p in PKG.glob('*.py') if not p.stem.startswith('_'))


def imports(name):
    "The modules of the package that `name` imports (relative imports and `consistency_edu.x` ones)."
    out = set()
    for node in ast.walk(ast.parse((PKG/f'{name}.py').read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module: out.add(node.module.split('.')[0])
            elif node.level == 1: out |= {a.name for a in node.names}
            elif node.module and node.module.startswith('consistency_edu.'): out.add(node.module.split('.')[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split('.')[1] for a in node.names if a.name.startswith('consistency_edu.')}
    return out - {name}


def table(readme=None):
    "The layering table as [(layer, modules, rule text)], top row first."
    text = (readme or (ROOT/'README.md').read_text()).split('## How the library is layered', 1)[1].split('\n## ', 1)[0]   # its section only
    rows = [l for l in text.splitlines() if l.startswith('|')][2:]
    out = []
    for row in rows:
        layer, mods, rule = [c.strip() for c in row.strip('|').split('|')]
        mods = re.sub(r'\([^)]*\)', '', mods)       # what a module holds, in parentheses, is not a module
        out.append((layer, re.findall(r'`(\w+)`', mods), rule))
    return out


def allowed(rows):
    "What each module may import, read from the rule column."
    ok, above = {}, set()
    for _, mods, rule in rows:
        if 'nothing of ours' in rule and 'above' not in rule: base = set()
        elif 'above' in rule: base = set(above)
        else: base = set(re.findall(r'`(\w+)`', rule))
        for m in mods: ok[m] = set(base)
        for src, dst in re.findall(r'`(\w+)` → ((?:`\w+`(?:, | and )?)+)', rule):   # named exceptions
            ok[src] |= set(re.findall(r'`(\w+)`', dst))
        for m in re.findall(r'`(\w+)` imports nothing of ours', rule): ok[m] = set()
        above |= set(mods)
    return ok


def test_every_module_is_in_the_table():
    listed = [m for _, mods, _ in table() for m in mods]
    assert sorted(listed) == modules(), f'table lists {sorted(listed)}, the package has {modules()}'


def test_imports_follow_the_table():
    ok = allowed(table())
    bad = {m: sorted(imports(m) - ok[m]) for m in modules() if imports(m) - ok[m]}
    assert not bad, f'imports the README layering table does not allow: {bad}'
    for _, mods, rule in table():
        if 'nothing imports it' in rule:
            users = {m: mod for m in modules() for mod in mods if mod in imports(m)}
            assert not users, f'the table says nothing imports {mods}, but {users} do'


def test_the_table_is_read_as_written():
    "The reader of the table itself: a rule it cannot parse would allow everything or nothing."
    ok = allowed(table())
    assert ok['core'] == set() and ok['toy'] == {'core'} and ok['lora'] == set()
    assert ok['ict'] >= {'ct', 'consistency', 'core'} and 'cd' not in ok['ict']
    assert {'latent', 'lcm', 'lora'} <= ok['lcm_lora'] and 'recipes' not in ok['lcm_lora']
    assert ok['cli'] == {'recipes', 'core'} and 'cli' not in ok['experiments']
    fake = "## How the library is layered\n| layer | modules | may import |\n|---|---|---|\n| a | `x` | nothing of ours |\n| b | `y` | the rows above |\n"
    assert allowed(table(fake)) == {'x': set(), 'y': {'x'}}
