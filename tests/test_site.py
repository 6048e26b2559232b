"""Checks of the docs site's inputs that need no Quarto: the hand-written sidebar is kept (nbdev_docs would overwrite it
with custom_sidebar = False) and lists every notebook, and every `{{< include >}}` of a notebook names a file that exists."""
import json, re
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'


def test_sidebar_is_kept_and_complete():
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    assert cfg['DEFAULT'].get('custom_sidebar', 'False').strip().lower() == 'true', "settings.ini: custom_sidebar must be True"
    listed = set(re.findall(r'([\w.-]+\.ipynb)', (NBS/'sidebar.yml').read_text()))
    missing = sorted(p.name for p in NBS.glob('*.ipynb') if p.name not in listed)
    assert not missing, f"nbs/sidebar.yml does not list {missing}"


def test_includes_exist():
    for nb in NBS.glob('*.ipynb'):
        for cell in json.loads(nb.read_text())['cells']:
            for inc in re.findall(r'\{\{<\s*include\s+(\S+)\s*>\}\}', ''.join(cell['source'])):
                assert (NBS/inc).exists(), f"{nb.name} includes {inc}, which does not exist"
                assert not Path(inc).name.startswith('_'), f"{nb.name} includes {inc}: nbdev's processing skips _ files, so Quarto would not find it"


def test_notebooks_open_and_run_in_colab():
    "Every notebook with code has an Open-in-Colab badge, installs the package when it is missing, and exports only inside the repo."
    for nb in NBS.glob('*.ipynb'):
        cells = json.loads(nb.read_text())['cells']
        srcs = [''.join(c['source']) for c in cells]
        if nb.name == 'results.ipynb' or not any(c['cell_type'] == 'code' for c in cells): continue   # results: stored bench tables only
        assert any(f'blob/main/nbs/{nb.name}' in s and 'colab-badge' in s for s in srcs), f"{nb.name}: no Open-in-Colab badge"
        assert any("find_spec('consistency_edu') is None" in s and 'pip' in s for s in srcs), f"{nb.name}: no install cell"
        for s in srcs:
            if 'nbdev_export()' in s: assert "Path('../settings.ini').exists()" in s, f"{nb.name}: nbdev_export() runs outside the repository"


def test_imports_in_cells_of_their_own():
    "nbdev's docs build executes every cell that mixes imports with other code (exec_show_docs): keep imports in cells of their own."
    for nb in NBS.glob('*.ipynb'):
        for c in json.loads(nb.read_text())['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] != 'code' or re.search(r'#\|\s*export', src): continue
            lines = [l for l in src.split('\n') if l.strip() and not l.lstrip().startswith('#')]
            imports = [l for l in lines if re.match(r'(import|from)\s', l)]
            assert not imports or len(imports) == len(lines), f"{nb.name}, cell {c.get('id')}: imports mixed with other code"


def test_no_heading_inside_a_code_cell():
    "A markdown heading pasted into a code cell runs as a comment and vanishes from the page (the guide lost a section that way)."
    for nb in NBS.glob('*.ipynb'):
        for c in json.loads(nb.read_text())['cells']:
            if c['cell_type'] != 'code': continue
            heads = [l for l in ''.join(c['source']).split('\n') if re.match(r'#{2,6} \S', l)]
            assert not heads, f"{nb.name}, cell {c.get('id')}: markdown heading in a code cell: {heads[0]!r}"

def test_readme_is_generated_from_index():
    "README.md is written from nbs/index.ipynb by .ci/readme.py (nbdev_readme needs Quarto)."
    import runpy
    render = runpy.run_path(str(ROOT/'.ci'/'readme.py'))['render']
    assert (ROOT/'README.md').read_text() == render(), "README.md is out of sync with nbs/index.ipynb: run python .ci/readme.py"


def test_results_page_shows_current_tables():
    "The bench tables reach the site as stored outputs of nbs/results.ipynb (nbdev's processing skips `_` files, so includes would not)."
    import runpy
    stale = runpy.run_path(str(ROOT/'.ci'/'results.py'))['stale']
    assert not stale(), f"the notebooks show stale results for {stale()}: run python .ci/results.py"
    text = (NBS/'results.ipynb').read_text()
    assert '{{< include' not in text, "results.ipynb: use stored outputs, not includes (they do not reach _proc/)"


def _site():
    import runpy
    return runpy.run_path(str(ROOT/'.ci'/'site.py'))


def test_site_rules_fail_on_bad_input():
    "Each rule of .ci/site.py, fed a bad input, reports it; fed a good one, is silent."
    s = _site()
    assert s['attr_problems']('source{target="_blank" style="float:right"}') and s['attr_problems']('a {.callout-note} b')
    assert not s['attr_problems']('a set {x : x > 0} and a dict {1: 2}')
    for bad in ('The exact f*(x, sigma) of the oracle.', 'Call it with **cond.', 'G* and g*.', 'a _private name', 'ends with an underscore_ here'):
        assert s['emphasis_problems'](bad), bad
    for good in ('The exact `f*(x, sigma)`.', 'Call it with `**cond`.', 'sigma_min and f_theta are fine', 'math $x_*$ is fine'):
        assert not s['emphasis_problems'](good), good
    md = lambda src: {'cell_type': 'markdown', 'source': src}
    assert s['title_problems']({'cells': [md('Some text, no heading')]}) and s['title_problems']({'cells': []})
    assert not s['title_problems']({'cells': [md('# The consistency function\n> what it is')]})
    assert not s['title_problems']({'cells': [{'cell_type': 'raw', 'source': '---\ntitle: CD\n---'}]})
    assert s['html_link_problems']('see the [results](results.html) and [CD](11_cd.html#loss)')
    assert not s['html_link_problems']('see the [results](results.ipynb) and [docs](https://pytorch.org/docs/index.html)')
    for bad in ("the issue's target is met", 'measured on this machine', 'before the GPU machine was given back', 'as the deck says'):
        assert s['process_problems'](bad), bad
    assert not s['process_problems']('CD reaches its teacher in one step')
    assert s['summary_problems']('11_cd.ipynb', {'cells': [md('# CD'), md('## Bad input')]})
    assert not s['summary_problems']('11_cd.ipynb', {'cells': [md('# CD'), md('## Summary\n\nCD reaches its teacher.')]})
    assert not s['summary_problems']('guide.ipynb', {'cells': [md('# The guide')]})       # only the numbered notebooks
    import base64, struct
    png = lambda w: base64.b64encode(b'\x89PNG\r\n\x1a\n' + struct.pack('>I', 13) + b'IHDR' + struct.pack('>II', w, 100)).decode()
    fig = lambda w: {'cell_type': 'code', 'source': 'plot()', 'outputs': [{'data': {'image/png': png(w)}}]}
    assert s['image_problems']({'cells': [fig(316)]}) and not s['image_problems']({'cells': [fig(640), md('text')]})
    module = '# %% ../nbs/x.ipynb #1\nimport torch\ndef f(x):\n    "doc"\n    return x + 1\n\n# %% auto #0\n__all__ = ["f"]\n'
    code = lambda src: {'cell_type': 'code', 'source': src}
    assert s['module_lines'](module) == ['def f(x):', '"doc"', 'return x + 1']
    assert s['shown_problems'](module, {'cells': [code('f(1)')]})
    assert not s['shown_problems'](module, {'cells': [code('def f(x):\n    "doc"\n    return x + 1')]})


def test_site_rules_hold_on_the_sources():
    """The same rules on the notebooks themselves (no rendering needed): every module shows its code, docstrings render,
    no `.html` links, no process phrases; .ci/site.py checks the rendered pages too."""
    s = _site()
    problems = []
    for nb_path in sorted(NBS.glob('*.ipynb')):
        nb = json.loads(nb_path.read_text())
        shown = {'cells': [c for c in nb['cells'] if not (c['cell_type'] == 'code' and re.search(r'^#\|\s*(export|hide)\s*$', ''.join(c['source']), re.M))]}
        m = re.search(r'#\|\s*default_exp\s+(\w+)', nb_path.read_text())
        if m and m.group(1) in s['SHOWN']:
            problems += [f'{nb_path.name}: {e}' for e in s['shown_problems']((ROOT/'consistency_edu'/f'{m.group(1)}.py').read_text(), shown)]
        for c in nb['cells']:
            text = ''.join(c['source'])
            if c['cell_type'] == 'markdown': problems += [f'{nb_path.name}: {e}' for e in s['html_link_problems'](text) + s['process_problems'](text)]
        problems += [f'{nb_path.name}: no title' for _ in s['title_problems'](nb)]
        problems += [f'{nb_path.name}: {e}' for e in s['summary_problems'](nb_path.name, nb) + s['image_problems'](nb)]
    problems += s['docstring_problems']()
    assert not problems, '\n'.join(problems)


def test_readme_quotes_the_stored_timings():
    "The README's demo time is the one bench/demo_time.py stored, on the core count it names."
    stored = json.loads((ROOT/'bench'/'results'/'demo_time.json').read_text())
    readme = (ROOT/'README.md').read_text()
    assert all(f'{s:.1f} s' in readme for s in stored['seconds']), (stored['seconds'], 'not quoted in README.md')
    assert stored['cores'] == 2 and 'two CPU cores' in readme
    tests = json.loads((ROOT/'bench'/'results'/'test_time.json').read_text())
    assert f"{tests['seconds']:.1f} s on two CPU cores" in readme and tests['passed'] and tests['cores'] == 2


def test_every_result_file_says_where_it_came_from():
    "Every file under bench/results/ records device, torch, date, command and commit (bench/backfill_provenance.py filled older ones)."
    from consistency_edu.experiments import PROVENANCE
    for p in sorted((ROOT/'bench'/'results').glob('*.json')):
        d = json.loads(p.read_text())
        assert isinstance(d, dict) and all(d.get(k) for k in PROVENANCE), f"{p.name} lacks provenance: python bench/backfill_provenance.py"



def test_check_cells_say_what_they_prove_and_fold():
    """A check cell opens with a comment saying what it proves, and folds on the site (.ci/site.py's rule).
    The index is exempt: its code is the README's first taste, meant to be read as it is."""
    s = _site()
    problems = [f'{p.name}: {e}' for p in sorted(NBS.glob('*.ipynb')) if p.name != 'index.ipynb' for e in s['check_cell_problems'](json.loads(p.read_text()))]
    code = lambda src: {'cell_type': 'code', 'source': src}
    assert s['check_cell_problems']({'cells': [code('assert 1 == 1')]}) and not s['check_cell_problems']({'cells': [code('#| code-fold: true\n# one is one\nassert 1 == 1')]})
    assert not problems, '\n'.join(problems)


def test_no_cell_gives_a_quarto_option_twice():
    "Quarto's YAML rejects a cell whose options repeat a key; nbdev prepends code-fold and code-summary to `#| exports` cells."
    s = _site()
    code = lambda src: {'cell_type': 'code', 'source': src}
    assert s['option_problems']({'cells': [code('#| exports\n#| code-fold: true\ndef f(): pass')]})
    assert s['option_problems']({'cells': [code('#| code-fold: true\n#| code-fold: false\nassert 1')]})
    assert not s['option_problems']({'cells': [code('#| exports\ndef f(): pass'), code('#| code-fold: true\n# one\nassert 1')]})
    problems = [f'{p.name}: {e}' for p in sorted(NBS.glob('*.ipynb')) for e in s['option_problems'](json.loads(p.read_text()))]
    assert not problems, '\n'.join(problems)


def test_narrative_sections_sit_at_level_two():
    "The table of contents shows the narrative: prose sections are `##`, so the API entries (`###`, from show_doc) sit one level under them."
    s = _site()
    md = lambda src: {'cell_type': 'markdown', 'source': src}
    assert s['heading_problems']({'cells': [md('### a subsection')]}) and not s['heading_problems']({'cells': [md('## A section')]})
    deeper = [f'{p.name}: {line}' for p in sorted(NBS.glob('*.ipynb')) for line in s['heading_problems'](json.loads(p.read_text()))]
    assert not deeper, '\n'.join(deeper)
