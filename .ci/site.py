#!/usr/bin/env python3
"""Check the docs site offline, with what these machines can install (Quarto cannot be): nbdev's own processing of the
notebooks (`nbdev.serve.proc_nbs`, no Quarto), every `{{< include >}}` and linked image present in `_proc/`, then pandoc
(Debian's package) renders every processed notebook to HTML with MathJax (Debian's libjs-mathjax, served locally), and
headless Chromium (Debian's package) loads pages and reports what it typeset and loaded.

What is asserted, page by page:
- pandoc renders it, and no raw `$` is left in the text (math pandoc could not parse stays as text: `$x $`);
- every local image it links exists; in Chromium every local image loads (naturalWidth > 0);
- MathJax typesets every math span, with no MathJax error;
- the API docs appear: one rendered `source` link per `show_doc` output nbdev's processing added;
- it has a title; no unparsed `{...}` attribute is left in its text; no notebook link points at a `.html` page;
  nothing on it talks about how the project was made (PROCESS phrases);
- no code cell gives a Quarto option twice (nbdev prepends `code-fold` and `code-summary` to `#| exports` cells);
- each module of the library (SHOWN) shows at least 60% of its code lines on its page (`#| exports` cells), and no docstring of the
  library has a `*` or a word-edge `_` outside backticks (markdown would turn them into emphasis).
Each rule is a function of a string or a notebook, fed bad inputs in tests/test_site.py.

    python .ci/site.py                 # check every page with pandoc and Chromium; write _site_check/
    python .ci/site.py --quick         # Chromium on the CHROME_PAGES only
Quarto's own behaviour is mimicked where pandoc lacks it: markdown outputs (show_doc's, the bench tables) become markdown, `#| echo: false`
hides a cell's source, `{{< include >}}` is inlined.
"""
import functools, http.server, json, re, shutil, subprocess, sys, threading
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT/'_site_check'
MATHJAX = Path('/usr/share/javascript/mathjax')
CHROME_PAGES = ['index', '09_consistency', '11_cd', '13_ict', '15_ctm', 'results']
INCLUDE = re.compile(r'\{\{<\s*include\s+(\S+)\s*>\}\}')
IMAGE = re.compile(r'!\[[^\]]*\]\(([^)\s]+)')
# pandoc's ipynb reader with the attribute syntax Quarto's markdown has (nbdev's show_doc writes `[source](...){target=...}`)
READER = 'ipynb+link_attributes+header_attributes+fenced_code_attributes+inline_code_attributes+bracketed_spans'
ATTR = re.compile(r'\{\s*(?:[#.][A-Za-z][\w-]*|[A-Za-z][\w-]*\s*=)[^{}]*\}')      # {target="_blank" ...}, {.class}, {#id}
HTML_LINK = re.compile(r'\]\((?!https?://)([^)\s]*\.html(?:#[^)\s]*)?)\)')
PROCESS = ("issue's target", "the issue's", "this machine", "(gpu time)", "gpu time)", "the deck", "design notes", "given back",
           "other jobs shared the machine", "shared the machine", "lost with the machine", "this session", "the gpu machine")
SHOWN = tuple(sorted(p.stem for p in (ROOT/'consistency_edu').glob('*.py') if not p.stem.startswith('_')))   # every module: its code on its page
MIN_SHOWN = 0.6


def attr_problems(prose:str) -> list:
    "Unparsed `{...}` attributes left in a page's visible text."
    return [f'unparsed attribute {m.group(0)[:60]!r}' for m in ATTR.finditer(prose)]


def emphasis_problems(doc:str) -> list:
    "A docstring's `*` or word-edge `_` outside backticks and `$...$`: markdown eats them as emphasis (`f*`, `**cond`, `_x`)."
    bare = re.sub(r'\$[^$]*\$', '', re.sub(r'`[^`]*`', '', doc))
    bad = [f'{m.group(0)!r}' for m in re.finditer(r'\S*\*\S*', bare)]
    bad += [f'{m.group(0)!r}' for m in re.finditer(r'\S*(?:(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))\S*', bare)]
    return [f'emphasis would break at {b} (put it in backticks)' for b in bad]


def title_problems(nb:dict) -> list:
    "A processed notebook without a title (nbdev writes the first `# heading` into a front-matter raw cell)."
    for c in nb['cells']:
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        if c['cell_type'] == 'raw' and re.search(r'^title:\s*\S', src, re.M): return []
        if c['cell_type'] == 'markdown' and src.strip(): return [] if re.match(r'#\s+\S', src.strip()) else ['no title']
    return ['no title']


def title_of(nb:dict) -> str|None:
    for c in nb['cells']:
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        if c['cell_type'] == 'raw' and (m := re.search(r'^title:\s*(.+?)\s*$', src, re.M)): return m.group(1).strip('"\'')
    return None


LESSON = re.compile(r'^\d\d_')                  # the numbered notebooks: lessons, the registry, the experiments, the command line
MIN_WIDTH = 500                                 # px: a stored figure narrower than this cannot be read


def summary_problems(name:str, nb:dict) -> list:
    "A numbered notebook that does not end its story with a `## Summary` section."
    if not LESSON.match(name): return []
    mds = [(''.join(c['source']) if isinstance(c['source'], list) else c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown']
    return [] if any(re.search(r'^##\s+Summary\s*$', m, re.M) for m in mds) else ['no `## Summary` section']


def image_problems(nb:dict, min_width:int=MIN_WIDTH) -> list:
    "Stored PNG outputs narrower than `min_width` pixels (read from the PNG header)."
    import base64, struct
    out = []
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []) if c['cell_type'] == 'code' else []:
            png = o.get('data', {}).get('image/png')
            if not png: continue
            w = struct.unpack('>I', base64.b64decode(png if isinstance(png, str) else ''.join(png))[16:20])[0]
            if w < min_width: out.append(f'cell {i}: a stored figure {w} px wide (under {min_width})')
    return out


CHECK = re.compile(r'\bassert\b|\btest_\w+\(|expect_fail')
HIDDEN = re.compile(r'^#\|\s*(export|exports|hide)\b', re.M)


def check_cell_problems(nb:dict) -> list:
    "Check cells (asserts, test_* or expect_fail; not exported or hidden) without a first comment saying what they prove, or that do not fold."
    out = []
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        if c['cell_type'] != 'code' or HIDDEN.search(src) or not CHECK.search(src): continue
        body = [l for l in src.split('\n') if not l.startswith('#|')]
        if not (body and body[0].startswith('# ')): out.append(f'cell {i}: no first comment line saying what it proves')
        if not re.search(r'^#\|\s*(code-fold|echo)\s*:', src, re.M): out.append(f'cell {i}: does not fold (#| code-fold: true)')
    return out


def option_problems(nb:dict) -> list:
    "Cells whose Quarto options repeat a key (Quarto's YAML rejects the page); nbdev itself prepends `code-fold` and `code-summary` to every `#| exports` cell."
    out = []
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        if c['cell_type'] != 'code': continue
        keys = re.findall(r'^#\|\s*([\w-]+)\s*:', src, re.M)
        if re.search(r'^#\|\s*exports\b', src, re.M): keys += ['code-fold', 'code-summary']      # what nbdev will add
        out += [f'cell {i}: the option {k!r} is given twice' + (' (nbdev adds it to #| exports cells)' if k.startswith('code-') else '')
                for k in sorted({k for k in keys if keys.count(k) > 1})]
    return out


def heading_problems(nb:dict) -> list:
    "Prose headings deeper than `##`: the table of contents would list them among the API entries (`###`)."
    return [line for c in nb['cells'] if c['cell_type'] == 'markdown'
            for line in (''.join(c['source']) if isinstance(c['source'], list) else c['source']).split('\n') if re.match(r'#{3,}\s', line)]


def html_link_problems(md:str) -> list:
    "Links from a notebook to a local `.html` page: a 404 on GitHub and in Colab (link the `.ipynb`; Quarto rewrites it)."
    return [f'link to {m.group(1)} (link the .ipynb)' for m in HTML_LINK.finditer(md)]


def process_problems(text:str) -> list:
    "Phrases about how the project was made, not about the subject."
    low = text.lower()
    return [f'process phrase {p!r}' for p in PROCESS if p in low]


def module_lines(text:str) -> list:
    "A generated module's code lines: non-blank, not comments, not imports, not `__all__` (nbdev's `# %% auto` cell)."
    out, skip = [], True
    for line in text.split('\n'):
        if line.startswith('# %%'): skip = line.startswith('# %% auto'); continue
        s = line.strip()
        if skip or not s or s.startswith('#') or re.match(r'(import|from)\s', s): continue
        out.append(s)
    return out


def shown_share(module_text:str, nb:dict) -> float:
    "The share of a module's code lines that a processed notebook shows in its code cells."
    shown = {l.strip() for c in nb['cells'] if c['cell_type'] == 'code'
             for l in (''.join(c['source']) if isinstance(c['source'], list) else c['source']).split('\n')}
    lines = module_lines(module_text)
    return sum(l in shown for l in lines) / max(1, len(lines))


def shown_problems(module_text:str, nb:dict, minimum:float=MIN_SHOWN) -> list:
    share = shown_share(module_text, nb)
    return [] if share >= minimum else [f'shows {share:.0%} of its module\'s code lines (at least {minimum:.0%}: use `#| exports`)']


def docstring_problems() -> list:
    "Every docstring of the library's public names (and their methods) that markdown would garble."
    import importlib, inspect, pkgutil, consistency_edu
    out = []
    for info in pkgutil.iter_modules(consistency_edu.__path__):
        if info.name.startswith('_'): continue
        mod = importlib.import_module(f'consistency_edu.{info.name}')
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name, None)
            objs = [(name, obj)] + ([(f'{name}.{k}', v) for k, v in vars(obj).items() if callable(v) and not k.startswith('_')]
                                    if inspect.isclass(obj) else [])
            for n, o in objs:
                doc = getattr(o, '__doc__', None) if (inspect.isfunction(o) or inspect.isclass(o)) else None
                out += [f'{info.name}.{n}: {p}' for p in emphasis_problems(doc or '')]
    return out

# Run after MathJax has typeset the page: the counts Chromium writes into <body data-*> for --dump-dom to carry out.
PROBE = """<script>
window.addEventListener('load', function () {
  function report() {
    var b = document.body, imgs = Array.prototype.filter.call(document.images, function (i) { return !/^https?:/.test(i.getAttribute('src')); });
    b.setAttribute('data-images', imgs.length);
    b.setAttribute('data-images-ok', imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length);
    b.setAttribute('data-math', document.querySelectorAll('span.math').length);
    b.setAttribute('data-math-typeset', Array.prototype.filter.call(document.querySelectorAll('span.math'), function (m) { return m.querySelector('.MathJax_CHTML, .mjx-chtml'); }).length);
    b.setAttribute('data-math-errors', document.querySelectorAll('.MathJax_Error, .mjx-merror, merror').length);
    b.setAttribute('data-probe', 'done');
  }
  if (window.MathJax && MathJax.Hub) MathJax.Hub.Queue(report); else report();
});
</script>"""


def _flags(src):
    return dict(re.findall(r'^#\|\s*([\w-]+):\s*(.*?)\s*$', src, re.M))


def quarto_like(nb:dict, proc:Path) -> dict:
    "The processed notebook as Quarto would show it, in plain nbformat 4 that pandoc's ipynb reader accepts."
    cells = []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            src = INCLUDE.sub(lambda m: (proc/m.group(1)).read_text(), src)
            cells.append({'cell_type': 'markdown', 'id': c.get('id', ''), 'metadata': {}, 'source': src}); continue
        if c['cell_type'] != 'code': continue
        fl = _flags(src)
        outs, md = [], []
        for o in c.get('outputs', []):
            o = {k: v for k, v in o.items() if k != 'execution_count'}
            if o['output_type'] == 'execute_result': o['output_type'] = 'display_data'
            text_md = o.get('data', {}).get('text/markdown')
            if text_md is not None: md.append(''.join(text_md)); continue     # Quarto shows markdown output as markdown
            outs.append(o)
        if fl.get('echo') != 'false' or outs:
            code = '' if fl.get('echo') == 'false' else '\n'.join(l for l in src.split('\n') if not l.startswith('#|'))
            cells.append({'cell_type': 'code', 'id': c.get('id', ''), 'metadata': {}, 'execution_count': None, 'source': code, 'outputs': outs})
        for m in md: cells.append({'cell_type': 'markdown', 'id': '', 'metadata': {}, 'source': m})
    return {'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}


class _Text(HTMLParser):
    "The visible prose of a page: text outside code, pre, script, style and math spans."
    SKIP = {'code', 'pre', 'script', 'style'}
    def __init__(self):
        super().__init__(); self.stack, self.text, self.sources = [], [], 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'a' and a.get('href', '').startswith('https://github.com/') and '.py#L' in a.get('href', ''): self.sources += 1
        if tag in ('br', 'img', 'hr', 'meta', 'link', 'input'): return
        self.stack.append(tag in self.SKIP or 'math' in (a.get('class') or '').split() or bool(self.stack and self.stack[-1]))
    def handle_endtag(self, tag):
        if tag not in ('br', 'img', 'hr', 'meta', 'link', 'input') and self.stack: self.stack.pop()
    def handle_data(self, data):
        if not (self.stack and self.stack[-1]): self.text.append(data)


def render(proc:Path) -> dict:
    "pandoc every processed notebook to OUT/<name>.html; return the static findings per page."
    OUT.mkdir(exist_ok=True)
    (OUT/'probe.html').write_text(PROBE)
    found = {}
    for p in sorted(proc.glob('*.ipynb')):
        nb = json.loads(p.read_text())
        errs = []
        for c in nb['cells']:
            src = ''.join(c['source'])
            for inc in INCLUDE.findall(src):
                if not (proc/inc).exists(): errs.append(f'include {inc} missing from _proc/')
            if c['cell_type'] == 'markdown':
                for img in IMAGE.findall(src):
                    if not img.startswith(('http:', 'https:', 'data:', 'attachment:')) and not (proc/img).exists(): errs.append(f'image {img} missing from _proc/')
        if errs: found[p.stem] = {'errors': errs}; continue
        shown = quarto_like(nb, proc)
        n_docs = sum('show_doc(' in ''.join(c['source']) and any('text/markdown' in o.get('data', {}) for o in c.get('outputs', []))
                     for c in nb['cells'])
        (OUT/f'{p.stem}.ipynb').write_text(json.dumps(shown))
        for img in {i for c in nb['cells'] if c['cell_type'] == 'markdown' for i in IMAGE.findall(''.join(c['source']))}:
            if not img.startswith(('http:', 'https:', 'data:', 'attachment:')):
                (OUT/img).parent.mkdir(parents=True, exist_ok=True); shutil.copy(proc/img, OUT/img)
        errs += [f'{e}' for e in title_problems(nb)]
        errs += [e for c in nb['cells'] if c['cell_type'] == 'markdown' for e in html_link_problems(''.join(c['source']))]
        errs += process_problems(page_text(shown))
        r = subprocess.run(['pandoc', '-f', READER, '-t', 'html5', '-s', '--metadata', f'title={title_of(nb) or p.stem}',
                            '--mathjax=/mathjax/MathJax.js?config=TeX-AMS_CHTML', f'--extract-media=media/{p.stem}',
                            '--include-after-body=probe.html', f'{p.stem}.ipynb', '-o', f'{p.stem}.html'],
                           cwd=OUT, capture_output=True, text=True)
        if r.returncode: found[p.stem] = {'errors': [f'pandoc failed: {r.stderr.strip()[-500:]}']}; continue
        t = _Text(); t.feed((OUT/f'{p.stem}.html').read_text())
        prose = ' '.join(t.text)
        raw = [prose[max(0, i - 40):i + 40].replace('\n', ' ') for i in [m.start() for m in re.finditer(r'\$', prose)][:3]]
        found[p.stem] = {'errors': errs + [f'raw $ left in the text: ...{s}...' for s in raw] + attr_problems(prose),
                         'show_doc': n_docs, 'source_links': t.sources,
                         'math': (OUT/f'{p.stem}.html').read_text().count('class="math ')}
        if t.sources < n_docs: found[p.stem]['errors'].append(f'{n_docs} show_doc outputs but {t.sources} rendered source links')
    return found


def page_text(shown:dict) -> str:
    "What a reader reads on a page: markdown, code and text outputs (not images)."
    parts = []
    for c in shown['cells']:
        parts.append(c['source'] if isinstance(c['source'], str) else ''.join(c['source']))
        for o in c.get('outputs', []):
            parts += [''.join(o.get('text', ''))] + [''.join(o.get('data', {}).get(k, '')) for k in ('text/plain', 'text/markdown')]
    return '\n'.join(parts)


def shown_modules(proc:Path) -> list:
    "Each module in SHOWN must show MIN_SHOWN of its code lines on its processed page."
    problems = []
    for mod in SHOWN:
        src = next((p for p in sorted((ROOT/'nbs').glob('*.ipynb')) if re.search(rf'#\|\s*default_exp\s+{mod}\b', p.read_text())), None)
        nb = json.loads((proc/src.name).read_text()) if src is not None and (proc/src.name).exists() else None
        if nb is None: problems.append(f'{mod}: no processed notebook exports it'); continue
        problems += [f'{mod}: {e}' for e in shown_problems((ROOT/'consistency_edu'/f'{mod}.py').read_text(), nb)]
    return problems


def _serve():
    link = OUT/'mathjax'
    if not link.exists(): link.symlink_to(MATHJAX)
    handler = functools.partial(type('Quiet', (http.server.SimpleHTTPRequestHandler,), {'log_message': lambda *a: None}), directory=str(OUT))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def chrome(pages) -> dict:
    "Load each page in headless Chromium; return the counts the probe wrote into <body>."
    exe = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if exe is None: raise SystemExit('Chromium is not installed (Debian: apt-get install chromium)')
    srv, res = _serve(), {}
    try:
        for page in pages:
            prof = OUT/'.chrome-profile'; shutil.rmtree(prof, ignore_errors=True)
            r = subprocess.run([exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                                f'--user-data-dir={prof}', '--virtual-time-budget=30000', '--dump-dom',
                                f'http://127.0.0.1:{srv.server_port}/{page}.html'], capture_output=True, text=True, timeout=180)
            body = re.search(r'<body([^>]*)>', r.stdout)
            res[page] = {k: int(v) if v.isdigit() else v for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1) if body else '')}
    finally: srv.shutdown()
    return res


def check(all_chrome=False) -> list:
    "Every problem found, as lines (empty when the site is sound)."
    from nbdev.serve import proc_nbs
    proc = Path(proc_nbs(n_workers=0))
    found, problems = render(proc), []
    problems += shown_modules(proc) + docstring_problems()
    for nb_path in sorted((ROOT/'nbs').glob('*.ipynb')):
        nb = json.loads(nb_path.read_text())
        problems += [f'{nb_path.name}: {e}' for e in summary_problems(nb_path.name, nb) + image_problems(nb) + heading_problems(nb)]
        if nb_path.name != 'index.ipynb': problems += [f'{nb_path.name}: {e}' for e in check_cell_problems(nb)]
        problems += [f'{nb_path.name}: {e}' for e in option_problems(nb)]
    for page, f in found.items(): problems += [f'{page}: {e}' for e in f['errors']]
    pages = sorted(p for p in found if 'math' in found[p]) if all_chrome else [p for p in CHROME_PAGES if p in found]
    missing = [p for p in CHROME_PAGES if p not in found]
    if missing: problems.append(f'pages not rendered: {missing}')
    for page, r in chrome(pages).items():
        f = found[page]
        if r.get('probe') != 'done': problems.append(f'{page}: the page did not finish loading in Chromium'); continue
        if r['math'] != f['math'] or r['math-typeset'] < r['math']:
            problems.append(f"{page}: MathJax typeset {r['math-typeset']} of {r['math']} math spans (pandoc wrote {f['math']})")
        if r['math-errors']: problems.append(f"{page}: {r['math-errors']} MathJax errors")
        if r['images-ok'] < r['images']: problems.append(f"{page}: {r['images-ok']} of {r['images']} images loaded")
        print(f"{page}: math {r['math-typeset']}/{r['math']} typeset, images {r['images-ok']}/{r['images']} loaded, "
              f"API docs {f['source_links']} source links for {f['show_doc']} show_doc outputs")
    print(f"pandoc rendered {sum('math' in f for f in found.values())} of {len(found)} pages; "
          f"{sum(f.get('math', 0) for f in found.values())} math spans, {sum(f.get('source_links', 0) for f in found.values())} API entries")
    return problems


if __name__ == '__main__':
    problems = check('--quick' not in sys.argv)
    if problems: sys.exit('docs site check failed:\n  ' + '\n  '.join(problems))
    print('docs site check passed')
