/* zwgk 标准化专栏 — instant client-side search over the prebuilt index (search-index.js).
   No network access, no eval, no innerHTML: results are built from text nodes, so catalogue text can
   never become markup. */
(function () {
  "use strict";
  var data = window.ZWGK_INDEX;
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!data || !input || !status || !list) { return; }
  var en = document.documentElement.lang === "en";
  var MAX = 100;
  var SEP = "\u0001";

  function fold(s) { return String(s || "").normalize("NFKC").toLowerCase(); }

  var items = data.items;
  var unitNames = data.units.map(function (u) { return fold(u[0]); });
  var domainNames = data.domains.map(function (d) { return fold(d[0]); });
  /* One folded string per item: its name first, so a term found before nameLen[i] is in the name. */
  var hay = new Array(items.length);
  var nameLen = new Array(items.length);
  for (var i = 0; i < items.length; i++) {
    var it = items[i];
    var name = fold(it[0]);
    nameLen[i] = name.length;
    hay[i] = name + SEP + fold(it[1]) + SEP + unitNames[it[2]] + SEP + domainNames[it[3]];
  }

  function terms(q) { return fold(q).split(/\s+/).filter(function (t) { return t.length > 0; }); }

  /* Items containing every term (substring, case- and width-insensitive), those matching in the name
     first.  Keeps at most `limit` of each kind but counts them all. */
  function find(q, limit) {
    var ts = terms(q);
    var first = [], rest = [], total = 0;
    if (!ts.length) { return { hits: first, total: 0 }; }
    outer: for (var i = 0; i < hay.length; i++) {
      var h = hay[i], inName = true;
      for (var k = 0; k < ts.length; k++) {
        var at = h.indexOf(ts[k]);
        if (at < 0) { continue outer; }
        if (at + ts[k].length > nameLen[i]) { inName = false; }
      }
      total++;
      if (inName) { if (first.length < limit) { first.push(i); } }
      else if (rest.length < limit) { rest.push(i); }
    }
    return { hits: first.concat(rest).slice(0, limit), total: total };
  }

  function search(q) { return find(q, Infinity).hits; }

  /* Text with the first occurrence of each term wrapped in <mark>, built as DOM nodes. */
  function highlighted(text, ts, parent) {
    var folded = fold(text);
    if (folded.length !== text.length) { parent.appendChild(document.createTextNode(text)); return; }
    var marks = [];
    ts.forEach(function (t) { var at = folded.indexOf(t); if (at >= 0) { marks.push([at, at + t.length]); } });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    marks.forEach(function (m) {
      if (m[0] < pos) { return; }
      parent.appendChild(document.createTextNode(text.slice(pos, m[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m[0], m[1]);
      parent.appendChild(mark);
      pos = m[1];
    });
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.setAttribute("href", href);
    a.textContent = text;
    return a;
  }

  function render(q) {
    var ts = terms(q);
    var found = find(q, MAX), hits = found.hits;
    var frag = document.createDocumentFragment();
    for (var n = 0; n < hits.length; n++) {
      var it = items[hits[n]];
      var dom = data.domains[it[3]], unit = data.units[it[2]];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.setAttribute("href", dom[1] + "#" + it[4]);
      a.className = "hit";
      highlighted(it[0], ts, a);
      li.appendChild(a);
      var meta = document.createElement("div");
      meta.className = "meta";
      meta.appendChild(link(dom[1], dom[0]));
      meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(link(unit[1], unit[0]));
      li.appendChild(meta);
      if (it[1]) {
        var snip = document.createElement("div");
        snip.className = "snippet";
        highlighted(it[1].length > 140 ? it[1].slice(0, 140) + "…" : it[1], ts, snip);
        li.appendChild(snip);
      }
      frag.appendChild(li);
    }
    list.replaceChildren(frag);
    if (!ts.length) {
      status.textContent = "";
    } else if (!found.total) {
      status.textContent = en ? "No item found." : "未找到相关事项。";
    } else if (found.total > MAX) {
      status.textContent = en ? found.total + " items found; the first " + MAX + " are shown."
                              : "找到 " + found.total + " 项事项，显示前 " + MAX + " 项。";
    } else {
      status.textContent = en ? found.total + " items found." : "找到 " + found.total + " 项事项。";
    }
    return found.total;
  }

  function remember(q) {
    try {
      var url = new URL(window.location.href);
      if (q) { url.searchParams.set("q", q); } else { url.searchParams.delete("q"); }
      window.history.replaceState(null, "", url.toString());
    } catch (e) { /* file:// pages may refuse; the search itself does not depend on it */ }
  }

  input.addEventListener("input", function () { render(input.value); remember(input.value); });
  var form = input.form;
  if (form) { form.addEventListener("submit", function (ev) { ev.preventDefault(); render(input.value); }); }

  /* Arrow keys move between the input and the result links; Escape returns to the input. */
  function resultLinks() { return Array.prototype.slice.call(list.querySelectorAll("a.hit")); }
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { var ls = resultLinks(); if (ls.length) { ev.preventDefault(); ls[0].focus(); } }
  });
  list.addEventListener("keydown", function (ev) {
    var ls = resultLinks(), at = ls.indexOf(document.activeElement);
    if (ev.key === "Escape") { ev.preventDefault(); input.focus(); return; }
    if (at < 0) { return; }
    if (ev.key === "ArrowDown" && at + 1 < ls.length) { ev.preventDefault(); ls[at + 1].focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); if (at > 0) { ls[at - 1].focus(); } else { input.focus(); } }
  });

  window.ZWGK_SEARCH = { search: search, render: render };
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; render(initial); }
})();
