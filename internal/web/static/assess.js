// The assessment form: shows and hides questions by their conditions as
// answers change. Each condition comes from the server as a small tree
// (data-cond, JSON) of the XLSForm expression; the server reads the same
// answers the same way again (in form order, a hidden question counting as
// blank for every condition after it) and checks everything on submit.
(() => {
  'use strict';
  const form = document.querySelector('form[data-assess]');
  if (!form) return;
  const digits = s => s.replace(/[\u0660-\u0669]/g, d => String(d.charCodeAt(0) - 0x660))
    .replace(/[\u06F0-\u06F9]/g, d => String(d.charCodeAt(0) - 0x6F0)).replace(/\u066B/g, '.');
  const trees = new Map();
  const tree = el => {
    if (!el.dataset.cond) return null;
    if (!trees.has(el)) {
      try { trees.set(el, JSON.parse(el.dataset.cond)); } catch (e) { trees.set(el, null); }
    }
    return trees.get(el);
  };
  const inputs = name => Array.from(form.elements).filter(e => e.name === 'q.' + name);
  const raw = q => {
    const els = inputs(q.dataset.name);
    if (q.dataset.kind === 'select_multiple') return els.filter(e => e.checked).map(e => e.value);
    const picked = els.filter(e => e.type !== 'radio' || e.checked);
    return picked.length ? picked[0].value.trim() : '';
  };
  const typed = (kind, v) => {
    if (kind === 'integer' || kind === 'scale') {
      const s = digits(v).trim();
      return /^[-+]?\d+$/.test(s) ? parseInt(s, 10) : 0;
    }
    if (kind === 'decimal') {
      const s = digits(v).trim();
      return /^[-+]?\d+(\.\d+)?$/.test(s) ? parseFloat(s) : 0;
    }
    return v;
  };
  const zero = kind => (kind === 'integer' || kind === 'scale' || kind === 'decimal') ? 0 : (kind === 'select_multiple' ? [] : '');
  const cmp = (op, x, y) => {
    if (Array.isArray(x) || Array.isArray(y)) {
      const xs = Array.isArray(x) ? x : [String(x)];
      const ys = Array.isArray(y) ? y : [String(y)];
      const eq = xs.length === ys.length && xs.every((e, i) => e === ys[i]);
      if (op === '=') return eq;
      if (op === '!=') return !eq;
      throw new Error('a list has no order');
    }
    if (typeof x === 'string' || typeof y === 'string') { x = String(x); y = String(y); }
    switch (op) {
      case '=': return x === y;
      case '!=': return x !== y;
      case '<': return x < y;
      case '<=': return x <= y;
      case '>': return x > y;
      case '>=': return x >= y;
    }
    throw new Error('operator ' + op);
  };
  const ev = (n, v) => {
    const a = i => ev(n.a[i], v);
    switch (n.op) {
      case 'lit': return n.s;
      case 'num': return Number(n.s);
      case 'ref': return v[n.s];
      case 'bool': return n.s === 'true';
      case 'or': return a(0) === true || a(1) === true;
      case 'and': return a(0) === true && a(1) === true;
      case 'not': return a(0) !== true;
      case 'neg': return -a(0);
      case 'cmp': return cmp(n.s, a(0), a(1));
      case 'arith': {
        const x = a(0), y = a(1);
        switch (n.s) {
          case '+': return x + y;
          case '-': return x - y;
          case '*': return x * y;
          case 'div': if (y === 0) throw new Error('division by zero'); return Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y;
          case 'mod': if (y === 0) throw new Error('division by zero'); return x % y;
        }
        break;
      }
      case 'selected': { const x = a(0), y = String(a(1)); return Array.isArray(x) ? x.includes(y) : x === y; }
      case 'count': case 'len': return a(0).length;
      case 'if': return a(0) === true ? a(1) : a(2);
      case 'int': { const x = Number(a(0)); if (Number.isNaN(x)) throw new Error('not a number'); return Math.trunc(x); }
      case 'number': { const x = Number(a(0)); if (Number.isNaN(x)) throw new Error('not a number'); return x; }
      case 'min': return Math.min(a(0), a(1));
      case 'max': return Math.max(a(0), a(1));
    }
    throw new Error('operation ' + n.op);
  };
  // A condition that cannot be evaluated counts as false, as on the server.
  const truth = (t, v) => { if (!t) return true; try { return ev(t, v) === true; } catch (e) { return false; } };
  const questions = Array.from(form.querySelectorAll('.assess-q'));
  const update = () => {
    const vars = {};
    for (const q of questions) if (q.dataset.kind !== 'note') vars[q.dataset.name] = typed(q.dataset.kind, raw(q));
    for (const sec of form.querySelectorAll('.assess-sec')) {
      const st = tree(sec);
      let any = false;
      for (const q of sec.querySelectorAll('.assess-q')) {
        const shown = truth(st, vars) && truth(tree(q), vars);
        q.hidden = !shown;
        if (q.dataset.kind === 'note') continue;
        if (shown) any = true; else vars[q.dataset.name] = zero(q.dataset.kind);
      }
      sec.hidden = !!st && !any;
    }
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();
})();
