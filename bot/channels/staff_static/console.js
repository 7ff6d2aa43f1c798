/* Staff console: clause browser with the rules beside the text, instant search, conversation insights, tickets,
   问题复核 (unhelpful answers and unanswered questions labelled for training), 政策版本 (text versions, stale
   rules, a clause-by-clause diff).
   Hand-written, no library. Every piece of data is put on the page as text (textContent / text nodes), never as
   HTML, so whatever users typed to the bot cannot run here. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var state = { clauses: [], byRef: {}, measures: {}, support: [], supportRef: "二", doc: null, current: null,
                insights: null };
  var HASH_TABS = ["insights", "tickets", "review", "versions"];  // the tabs with a #hash of their own

  // ------------------------------------------------------------------------------------------------ helpers
  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.setAttribute("class", v);
      else if (k.indexOf("on") === 0) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    });
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function $(id) { return document.getElementById(id); }

  function notice(text) {
    var n = $("notice");
    if (!text) { n.hidden = true; clear(n); return; }
    clear(n).appendChild(document.createTextNode(text));
    n.hidden = false;
  }

  function api(path) {
    return fetch(path, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.status === 403) {
          notice("登录已过期或令牌已更换：请重新打开本页（地址后加 ?token=访问令牌）。");
          throw new Error("auth " + r.status);
        }
        return r.json().then(function (body) {
          if (!r.ok) { notice((body && body.error) || ("请求失败（" + r.status + "）")); throw new Error(String(r.status)); }
          return body;
        });
      });
  }

  function refLink(ref, label) {
    return el("a", { href: "#" + encodeURIComponent(ref), "data-ref": ref, text: label || ("《办法》" + ref) });
  }

  // ------------------------------------------------------------------------------------------------ tabs & routing
  function showTab(name) {
    ["law"].concat(HASH_TABS).forEach(function (t) {
      $("tab-" + t).hidden = t !== name;
      $("tab-btn-" + t).setAttribute("aria-selected", String(t === name));
    });
    if (name === "insights") loadInsights();
    if (name === "tickets") loadTickets();
    if (name === "review") loadReview();
    if (name === "versions") loadVersions();
  }

  function route() {
    var h = decodeURIComponent((location.hash || "").slice(1));
    if (HASH_TABS.indexOf(h) >= 0) { showTab(h); return; }
    showTab("law");
    if (h && state.byRef[h]) showClause(h);
    else if (!state.current && state.clauses.length) showClause(state.clauses[0].ref);
  }

  function go(ref) {
    var target = "#" + encodeURIComponent(ref);
    if (location.hash === target) route(); else location.hash = target;
  }

  // ------------------------------------------------------------------------------------------------ clause tree
  function buildTree() {
    var tree = clear($("tree"));
    var parts = {};
    state.clauses.forEach(function (c) {
      var a = el("a", { href: "#" + encodeURIComponent(c.ref), "data-ref": c.ref },
        el("span", { class: "ref", text: c.kind === "preamble" ? "序言" : c.ref }),
        c.kind === "preamble" ? "" : (c.title || ""));
      if (c.kind === "item" && parts[c.part]) {
        parts[c.part].appendChild(el("li", null, a));
      } else {
        var li = el("li", { class: c.kind === "part" ? "part" : "" }, a);
        if (c.kind === "part") { parts[c.ref] = el("ol"); li.appendChild(parts[c.ref]); }
        tree.appendChild(li);
      }
    });
  }

  function markTree(ref) {
    Array.prototype.forEach.call($("tree").querySelectorAll("a"), function (a) {
      if (a.getAttribute("data-ref") === ref) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }

  // highlights: the rules' quoted phrases inside the printed text (several may overlap)
  function spansFor(ref) {
    var spans = [];
    function add(span, cls, key) { if (span) spans.push({ start: span[0], end: span[1], cls: cls, key: key }); }
    var m = state.measures[ref];
    if (m) {
      add(m.benefit_span, "hl-money", "money");
      m.conditions.forEach(function (c) { add(c.span, "hl-" + c.kind, c.ref + "/" + c.id); });
    }
    if (ref === state.supportRef) {
      state.support.forEach(function (c) { add(c.span, "hl-" + c.kind, c.ref + "/" + c.id); });
    }
    return spans;
  }

  function verbatim(text, spans) {
    var box = el("div", { class: "verbatim", lang: "zh-CN" });
    var cuts = [0, text.length];
    spans.forEach(function (s) { cuts.push(s.start, s.end); });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    for (var i = 0; i < cuts.length - 1; i++) {
      var a = cuts[i], b = cuts[i + 1], piece = text.slice(a, b);
      var on = spans.filter(function (s) { return s.start <= a && s.end >= b; });
      if (!on.length) { box.appendChild(document.createTextNode(piece)); continue; }
      box.appendChild(el("span", {
        class: on.map(function (s) { return s.cls; }).join(" "),
        "data-keys": on.map(function (s) { return s.key; }).join(" "), text: piece }));
    }
    return box;
  }

  function legend() {
    return el("p", { class: "legend" },
      el("span", null, el("span", { class: "sw profile" }), "由机构情况判断的条件"),
      el("span", null, el("span", { class: "sw authority" }), "须由区人社局认定"),
      el("span", null, el("span", { class: "sw money" }), "支持内容（金额）"));
  }

  function showClause(ref) {
    var c = state.byRef[ref];
    if (!c) return;
    state.current = ref;
    markTree(ref);
    var box = clear($("clause"));
    box.appendChild(el("h2", null, el("span", { class: "cit", text: c.citation }), c.title || c.heading || ""));
    var spans = spansFor(ref);
    if (c.text) box.appendChild(verbatim(c.text, spans));
    if (spans.length) box.appendChild(legend());
    if (c.kind === "part") {
      var kids = state.clauses.filter(function (k) { return k.kind === "item" && k.part === c.ref; });
      if (kids.length) {
        box.appendChild(el("h3", { text: c.citation + " 包括：" }));
        box.appendChild(el("ol", { class: "children" }, kids.map(function (k) {
          return el("li", null, refLink(k.ref, k.citation), el("strong", { text: k.title || "" }),
            el("div", { class: "txt", text: k.text }));
        })));
      }
    }
    if (state.doc) {
      box.appendChild(el("p", { class: "source",
        text: "原文出自" + state.doc.doc_number + "《" + state.doc.title + "》，" + state.doc.effective_on + "起实施。" }));
    }
    showRules(ref);
  }

  // ------------------------------------------------------------------------------------------------ rules panel
  function flash(key, on) {
    Array.prototype.forEach.call($("clause").querySelectorAll("[data-keys]"), function (s) {
      var keys = s.getAttribute("data-keys").split(" ");
      s.classList.toggle("flash", on && keys.indexOf(key) >= 0);
    });
  }

  function conditionItem(c) {
    var key = c.ref + "/" + c.id;
    var li = el("li", { class: c.kind, "data-key": key },
      el("span", { class: "lbl", text: "引文" }), el("span", { class: "quote", text: c.quote }),
      el("a", { class: "cit", href: "#" + encodeURIComponent(c.ref), text: c.citation }),
      c.rule ? el("span", { class: "rule", text: "规则：" + c.rule }) : null,
      c.to_verify ? el("span", { class: "verify", text: "待认定：" + c.to_verify }) : null,
      c.found ? null : el("span", { class: "missing", text: "⚠ 这段引文在条款原文中没有找到，请核对规则。" }));
    li.addEventListener("mouseenter", function () { flash(key, true); });
    li.addEventListener("mouseleave", function () { flash(key, false); });
    return li;
  }

  function showRules(ref) {
    var box = clear($("rules"));
    var m = state.measures[ref];
    if (m) {
      box.appendChild(el("h2", null, el("span", { class: "cit", text: m.citation }), "规则：" + m.title));
      box.appendChild(el("p", { class: "summary", text: m.summary }));
      box.appendChild(el("h3", { text: "支持内容" }));
      box.appendChild(el("p", { class: "money", text: m.money }));
      if (m.benefit_quote) {
        box.appendChild(el("p", { class: "muted" }, "原文：“" + m.benefit_quote + "”",
          m.benefit_found ? "" : el("span", { class: "cond" }, el("span", { class: "missing", text: "⚠ 原文中没有找到这段引文" }))));
      }
      if (!m.applies_to_profile && m.not_applicable) {
        box.appendChild(el("p", { class: "na", text: m.not_applicable }));
      }
      var profile = state.support.filter(function (c) { return c.kind === "profile"; })
        .concat(m.conditions.filter(function (c) { return c.kind === "profile"; }));
      var authority = state.support.filter(function (c) { return c.kind === "authority"; })
        .concat(m.conditions.filter(function (c) { return c.kind === "authority"; }));
      if (m.applies_to_profile && profile.length) {
        box.appendChild(el("h3", { text: "申请条件（按机构情况判断）" }));
        box.appendChild(el("ul", { class: "cond" }, profile.map(conditionItem)));
      }
      box.appendChild(el("h3", { text: "须由区人社局认定的事项" }));
      box.appendChild(el("ul", { class: "cond" }, authority.map(conditionItem)));
      box.appendChild(el("p", { class: "muted small",
        text: "把鼠标移到一条规则上，左侧原文中对应的文字会被框出；支持对象的条件见《办法》二。" }));
      return;
    }
    if (ref === state.supportRef) {
      box.appendChild(el("h2", null, el("span", { class: "cit", text: "《办法》" + ref }), "规则：支持对象"));
      box.appendChild(el("p", { class: "summary", text: "以下条件适用于《办法》三的每一项支持政策。" }));
      box.appendChild(el("ul", { class: "cond" }, state.support.map(conditionItem)));
      return;
    }
    if (ref === "三") {
      box.appendChild(el("h2", { text: "九项支持政策一览" }));
      var rows = Object.keys(state.measures).map(function (id) {
        var x = state.measures[id];
        return el("tr", null, el("td", null, refLink(x.id, x.id)), el("td", { text: x.title }), el("td", { text: x.money }));
      });
      box.appendChild(el("table", { class: "mini" },
        el("thead", null, el("tr", null, el("th", { text: "条款" }), el("th", { text: "措施" }), el("th", { text: "支持内容" }))),
        el("tbody", null, rows)));
      return;
    }
    box.appendChild(el("h2", { text: "规则" }));
    box.appendChild(el("p", { class: "muted",
      text: "本条没有对应的资格规则。规则只针对《办法》二（支持对象）和三（九项支持政策）。" }));
  }

  // ------------------------------------------------------------------------------------------------ search
  var searchSeq = 0, searchTimer = null, activeHit = -1;

  function hideResults() { $("results").hidden = true; activeHit = -1; }

  function renderResults(data) {
    var box = clear($("results"));
    var items = [];
    if (data.resolved) items.push({ ref: data.resolved.ref, citation: data.resolved.citation,
                                    title: data.resolved.title, snippet: data.resolved.snippet });
    (data.hits || []).forEach(function (h) {
      if (!data.resolved || h.ref !== data.resolved.ref) items.push(h);
    });
    if (data.note) box.appendChild(el("div", { class: "none", text: data.note }));
    if (!items.length) {
      box.appendChild(el("div", { class: "none", text: data.message || "没有找到相关条款。" }));
    }
    items.forEach(function (h) {
      box.appendChild(el("button", { type: "button", class: "hit", role: "option", "data-ref": h.ref,
        onclick: function () { hideResults(); go(h.ref); } },
        el("span", { class: "cit", text: h.citation }), el("span", { class: "ttl", text: h.title || "" }),
        el("span", { class: "snip", text: h.snippet || "" })));
    });
    box.hidden = false;
    activeHit = -1;
  }

  function search(q) {
    var seq = ++searchSeq;
    if (!q.trim()) { hideResults(); return; }
    api("api/search?q=" + encodeURIComponent(q)).then(function (data) {
      if (seq === searchSeq) renderResults(data);
    }).catch(function () {});
  }

  function moveHit(delta) {
    var hits = $("results").querySelectorAll(".hit");
    if (!hits.length) return;
    activeHit = (activeHit + delta + hits.length) % hits.length;
    Array.prototype.forEach.call(hits, function (h, i) { h.classList.toggle("active", i === activeHit); });
  }

  function bindSearch() {
    var q = $("q");
    q.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { search(q.value); }, 120);
    });
    q.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { moveHit(1); e.preventDefault(); }
      else if (e.key === "ArrowUp") { moveHit(-1); e.preventDefault(); }
      else if (e.key === "Escape") { hideResults(); }
      else if (e.key === "Enter") {
        var hits = $("results").querySelectorAll(".hit");
        var h = hits[activeHit >= 0 ? activeHit : 0];
        if (h) { hideResults(); go(h.getAttribute("data-ref")); }
      }
    });
    q.addEventListener("focus", function () { if ($("results").firstChild && q.value.trim()) $("results").hidden = false; });
    document.addEventListener("click", function (e) {
      if (!e.target.closest || !e.target.closest(".search")) hideResults();
    });
  }

  // ------------------------------------------------------------------------------------------------ charts
  function empty(box, text) { clear(box).appendChild(el("p", { class: "empty", text: text || "暂无数据" })); }

  function niceMax(v) {
    if (v <= 5) return Math.max(v, 1);
    var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10)), f = v / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  // messages per day as bars, conversations per day as a line
  function dayChart(box, days) {
    if (!days.length) { empty(box, "所选时间范围内没有对话"); return; }
    var W = Math.max(320, Math.round(box.clientWidth || 640)), H = 240, L = 40, R = 12, T = 12, B = 36;
    var max = niceMax(Math.max.apply(null, days.map(function (d) { return Math.max(d.messages, d.conversations); })));
    var iw = W - L - R, ih = H - T - B, step = iw / days.length, bw = Math.max(2, Math.min(36, step * 0.7));
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "每日会话与用户消息" });
    [0, 0.5, 1].forEach(function (f) {
      var y = T + ih - f * ih;
      root.appendChild(svg("line", { class: "axis", x1: L, x2: W - R, y1: y, y2: y }));
      root.appendChild(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end", "font-size": 11, text: String(Math.round(f * max)) }));
    });
    var every = Math.ceil(days.length / Math.max(2, Math.floor(iw / 56))), points = [];
    days.forEach(function (d, i) {
      var cx = L + step * i + step / 2, h = d.messages / max * ih;
      var bar = svg("rect", { class: "bar", x: cx - bw / 2, y: T + ih - h, width: bw, height: Math.max(h, 0) },
        svg("title", { text: d.date + "：用户消息 " + d.messages + "，会话 " + d.conversations +
                              "，自测 " + d.checks + "，未解答 " + d.unanswered }));
      root.appendChild(bar);
      points.push([cx, T + ih - d.conversations / max * ih]);
      if (i % every === 0 || i === days.length - 1) {
        root.appendChild(svg("text", { x: cx, y: H - B + 16, "text-anchor": "middle", "font-size": 11, text: d.date.slice(5) }));
      }
    });
    root.appendChild(svg("polyline", { class: "line", points: points.map(function (p) { return p.join(","); }).join(" ") }));
    points.forEach(function (p, i) {
      root.appendChild(svg("circle", { class: "dot", cx: p[0], cy: p[1], r: 3 },
        svg("title", { text: days[i].date + "：会话 " + days[i].conversations })));
    });
    clear(box).appendChild(root);
  }

  // horizontal bars: [{label, value, cls, title}]
  function barChart(box, items, aria) {
    if (!items.length) { empty(box); return; }
    var W = Math.max(320, Math.round(box.clientWidth || 640)), rowH = 26, L = Math.min(210, Math.round(W * 0.4));
    var R = 50, T = 4, H = T * 2 + rowH * items.length;
    var max = Math.max.apply(null, items.map(function (x) { return x.value; }).concat([1]));
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": aria });
    items.forEach(function (x, i) {
      var y = T + i * rowH, w = x.value / max * (W - L - R);
      var fit = Math.max(4, Math.floor((L - 12) / 12));
      var label = x.label.length > fit ? x.label.slice(0, fit - 1) + "…" : x.label;
      var g = svg("g", null, svg("title", { text: (x.title || x.label) + "：" + x.value }));
      g.appendChild(svg("text", { x: L - 8, y: y + rowH / 2 + 4, "text-anchor": "end", "font-size": 12, text: label }));
      g.appendChild(svg("rect", { class: "bar " + (x.cls || ""), x: L, y: y + 4, width: Math.max(w, x.value ? 2 : 0), height: rowH - 8, rx: 3 }));
      g.appendChild(svg("text", { x: L + w + 6, y: y + rowH / 2 + 4, "font-size": 12, text: String(x.value) }));
      root.appendChild(g);
    });
    clear(box).appendChild(root);
  }

  // ------------------------------------------------------------------------------------------------ insights
  function card(num, label) {
    return el("div", { class: "card" }, el("div", { class: "num", text: String(num) }), el("div", { class: "lbl", text: label }));
  }

  function shortTime(iso) { return (iso || "").replace("T", " ").replace(/\+08:00$/, ""); }

  function renderInsights(ins) {
    var t = ins.totals;
    var cards = clear($("cards"));
    [card(t.conversations, "会话（用户数）"), card(t.messages, "用户消息"),
     card(t.checks, "资格自测（开始）"), card(t.checks_completed, "资格自测（出具报告）"),
     card(t.unanswered, "未能解答的问题")].forEach(function (c) { cards.appendChild(c); });

    dayChart($("chart-days"), ins.per_day);
    barChart($("chart-topics"), ins.topics.slice(0, 12).map(function (x) {
      return { label: x.label, value: x.count, cls: "topic", title: x.label + (x.citation ? "（" + x.citation + "）" : "") };
    }), "最常咨询的主题");
    var anyVerdict = ins.verdicts.some(function (v) { return v.count > 0; });
    if (anyVerdict) {
      barChart($("chart-verdicts"), ins.verdicts.map(function (v) {
        return { label: v.label, value: v.count, cls: "v-" + v.verdict };
      }), "资格自测结论");
    } else empty($("chart-verdicts"), "所选时间范围内没有完成的资格自测");

    var mt = clear($("measure-table").querySelector("tbody"));
    ins.measures.forEach(function (m) {
      var v = m.verdicts;
      mt.appendChild(el("tr", null,
        el("td", null, refLink(m.id, m.id), " ", m.title),
        el("td", { class: "num", text: String(m.questions) }),
        el("td", { class: "num", text: String(v.eligible) }), el("td", { class: "num", text: String(v.pending) }),
        el("td", { class: "num", text: String(v.need_info) }), el("td", { class: "num", text: String(v.not_eligible) }),
        el("td", { class: "num", text: String(v.not_applicable) })));
    });

    var ub = clear($("unanswered").querySelector("tbody"));
    var channelNames = {};
    ins.channels.forEach(function (c) { channelNames[c.channel] = c.label; });
    ins.unanswered.forEach(function (u) {
      ub.appendChild(el("tr", { "data-kind": u.kind },
        el("td", { class: "mono", text: shortTime(u.time) }),
        el("td", { class: "mono", text: u.sender }),
        el("td", null, el("span", { class: "tag " + u.kind, text: u.kind_label })),
        el("td", { text: channelNames[u.channel] || u.channel || "" }),
        el("td", { class: "text", text: u.text })));
    });
    $("unanswered-empty").hidden = ins.unanswered.length > 0;
    $("insights-foot").textContent = "统计范围：" + (ins.since ? ins.since + " 至 " + ins.until : "全部记录（至 " + ins.until + "）") +
      "，按北京时间计。会话以哈希显示（SHA-256 前12位），不显示原始用户标识。" +
      (t.unanswered > ins.unanswered.length ? "页面显示最新 " + ins.unanswered.length + " 条，完整列表请导出 CSV。" : "");
  }

  function loadInsights() {
    var days = $("days").value;
    var q = "?days=" + encodeURIComponent(days);
    $("csv-unanswered").setAttribute("href", "export/unanswered.csv" + q);
    $("csv-topics").setAttribute("href", "export/topics.csv" + q);
    return api("api/insights" + q).then(function (ins) {
      state.insights = ins;
      renderInsights(ins);
    }).catch(function () {});
  }

  // ------------------------------------------------------------------------------------------------ tickets (留言工单)
  var TICKET_STATUS = { open: "待处理", answered: "已答复" };

  // a state-changing request: the session cookie plus the console's own header (the server refuses POSTs without
  // it, so another site cannot make a signed-in browser mark tickets or store labels); ``data``, if given, is sent
  // as JSON. A refusal is shown in the notice and rejects with the server's message.
  function postApi(path, data) {
    var headers = { "Accept": "application/json", "X-Staff-Console": "1" };
    var init = { method: "POST", credentials: "same-origin", headers: headers };
    if (data !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(data); }
    return fetch(path, init)
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var message = (body && body.error) || ("请求失败（" + r.status + "）");
            notice(message);
            throw new Error(message);
          }
          return body;
        });
      });
  }

  function ticketRow(t) {
    var action = t.status === "open"
      ? el("button", { type: "button", class: "small-button", "data-number": t.number,
                       onclick: function () { markAnswered(t.number); } }, "标记已答复")
      : el("span", { class: "muted small", text: "答复于 " + shortTime(t.answered_at) });
    return el("tr", { "data-number": t.number, "data-status": t.status },
      el("td", { class: "mono", text: t.number }),
      el("td", { class: "mono", text: shortTime(t.created_at) }),
      el("td", null, el("span", { class: "tag ticket-" + t.status, text: TICKET_STATUS[t.status] || t.status })),
      el("td", { text: t.institution || "（未提供）" }),
      el("td", { text: t.contact_person }),
      el("td", { class: "mono", text: t.phone || "" }),
      el("td", { class: "mono", text: t.email || "" }),
      el("td", { class: "text", text: t.question }),
      el("td", null, action));
  }

  function renderTickets(view) {
    var body = clear($("tickets").querySelector("tbody"));
    view.tickets.forEach(function (t) { body.appendChild(ticketRow(t)); });
    $("tickets-empty").hidden = view.tickets.length > 0;
    var badge = $("tickets-open-count");
    badge.textContent = String(view.counts.open);
    badge.hidden = !view.counts.open;
    $("tickets-foot").textContent = "待处理 " + view.counts.open + " 条，已答复 " + view.counts.answered +
      " 条。工单（含联系方式）保存 " + view.retention_days + " 天后自动删除。";
  }

  function loadTickets() {
    var status = $("ticket-status").value;
    var q = status ? "?status=" + encodeURIComponent(status) : "";
    $("csv-tickets").setAttribute("href", "export/tickets.csv" + q);
    return api("api/tickets" + q).then(renderTickets).catch(function () {});
  }

  function markAnswered(number) {
    return postApi("api/tickets/" + encodeURIComponent(number) + "/answered")
      .then(function () { notice(""); return loadTickets(); }).catch(function () {});
  }

  function bindTickets() {
    $("ticket-status").addEventListener("change", loadTickets);
    $("tickets-refresh").addEventListener("click", loadTickets);
  }

  // ------------------------------------------------------------------------------------------------ review (问题复核)
  // the unhelpful answers (api/feedback), the unanswered questions (api/insights, as the insights tab shows them),
  // a 标注 control on each, the labels so far (api/review/labels) and the export (export/reviewed.yml)
  var review = { labels: [], byText: {}, intents: [], topics: [], channels: {} };
  var SHORT_ANSWER = 60;

  function normText(t) { return (t || "").trim().split(/\s+/).join(" "); }  // as records.review stores it

  // a long text shortened, the whole of it one click away
  function clipped(text) {
    text = text || "";
    if (text.length <= SHORT_ANSWER) return el("span", { class: "answer", text: text });
    return el("details", { class: "clip" },
      el("summary", null, el("span", { class: "short", text: text.slice(0, SHORT_ANSWER) + "…" }),
        el("span", { class: "toggle" })),
      el("div", { class: "full", text: text }));
  }

  function topicCell(ref, label) {
    if (ref && state.byRef[ref]) return el("td", { class: "topic" }, refLink(ref, label));
    return el("td", { class: "topic muted", text: label || "" });
  }

  function labelForm(text, source, cols) {
    var current = review.byText[normText(text)];
    var intent = el("select", { class: "label-intent", "aria-label": "意图" },
      el("option", { value: "", text: "请选择意图" }),
      review.intents.map(function (i) { return el("option", { value: i.intent, text: i.label }); }));
    var topic = el("select", { class: "label-topic", "aria-label": "条款" },
      el("option", { value: "", text: "不指定条款" }),
      review.topics.map(function (t) { return el("option", { value: t.ref, text: t.label }); }));
    if (current) { intent.value = current.intent; topic.value = current.topic; }
    var error = el("span", { class: "form-error", role: "alert" });
    var row = el("tr", { class: "label-row" });
    var form = el("form", { class: "label-form", onsubmit: function (e) {
      e.preventDefault();
      error.textContent = "";
      postApi("api/review/labels", { text: text, intent: intent.value, topic: topic.value, source: source })
        .then(function () { notice(""); return loadLabels(); })
        .catch(function (err) { notice(""); error.textContent = err.message; });  // shown here, not above
    } },
      el("span", { class: "what", text: "应识别为" }),
      el("label", null, "意图 ", intent), el("label", null, "条款 ", topic),
      el("button", { type: "submit", class: "small-button primary", text: "保存" }),
      el("button", { type: "button", class: "small-button", text: "取消",
                     onclick: function () { row.parentNode.removeChild(row); } }),
      error);
    row.appendChild(el("td", { colspan: cols }, form));
    return row;
  }

  // the 标注 cell of a row: the label it has (if any) and the button that opens the form under the row
  function labelCell(text, source, cols) {
    var current = review.byText[normText(text)];
    return el("td", { class: "label-cell" },
      current ? el("span", { class: "tag labelled", title: current.intent_label, text: "已标注 " + current.intent }) : null,
      el("button", { type: "button", class: "small-button label-button", onclick: function (e) {
        var tr = e.target.closest("tr"), next = tr.nextSibling;
        if (next && next.classList && next.classList.contains("label-row")) { next.parentNode.removeChild(next); return; }
        tr.parentNode.insertBefore(labelForm(text, source, cols), next);
      } }, current ? "修改" : "标注"));
  }

  function renderFeedback(fb) {
    var body = clear($("unhelpful").querySelector("tbody"));
    fb.unhelpful.forEach(function (f) {
      body.appendChild(el("tr", { "data-feedback": String(f.id) },
        el("td", { class: "mono", text: shortTime(f.time) }),
        el("td", { class: "text", text: f.question }),
        el("td", { class: "answer-cell" }, clipped(f.answer)),
        topicCell(f.topic, f.topic_label),
        el("td", { class: "channel", text: f.channel_label }),
        labelCell(f.question, "unhelpful", 6)));
    });
    $("unhelpful-empty").hidden = fb.unhelpful.length > 0;
    $("unhelpful-foot").textContent = fb.total_unhelpful > fb.unhelpful.length
      ? "共 " + fb.total_unhelpful + " 条，页面显示最新 " + fb.unhelpful.length + " 条。" : "";
    var counts = clear($("feedback-topics").querySelector("tbody"));
    fb.topics.forEach(function (t) {
      counts.appendChild(el("tr", { "data-topic": t.topic }, topicCell(t.topic, t.label),
        el("td", { class: "num", text: String(t.unhelpful) }), el("td", { class: "num", text: String(t.helpful) })));
    });
    $("feedback-topics-empty").hidden = fb.topics.length > 0;
  }

  function renderReviewUnanswered(ins) {
    ins.channels.forEach(function (c) { review.channels[c.channel] = c.label; });
    var body = clear($("review-unanswered").querySelector("tbody"));
    ins.unanswered.forEach(function (u) {
      body.appendChild(el("tr", { "data-kind": u.kind },
        el("td", { class: "mono", text: shortTime(u.time) }),
        el("td", null, el("span", { class: "tag " + u.kind, text: u.kind_label })),
        el("td", { class: "channel", text: review.channels[u.channel] || u.channel || "" }),
        el("td", { class: "text", text: u.text }),
        labelCell(u.text, "unanswered", 5)));
    });
    $("review-unanswered-empty").hidden = ins.unanswered.length > 0;
  }

  function renderLabels() {
    var body = clear($("labels").querySelector("tbody"));
    review.labels.forEach(function (x) {
      body.appendChild(el("tr", { "data-label": String(x.id) },
        el("td", { class: "mono", text: shortTime(x.time) }),
        el("td", { class: "text", text: x.text }),
        el("td", { text: x.intent_label }),
        topicCell(x.topic, x.topic_label),
        el("td", { text: x.source_label }),
        el("td", null, el("button", { type: "button", class: "small-button danger", onclick: function () {
          postApi("api/review/labels/" + encodeURIComponent(x.id) + "/delete")
            .then(function () { notice(""); return loadLabels(); }).catch(function () {});
        } }, "删除"))));
    });
    $("labels-empty").hidden = review.labels.length > 0;
    $("labels-count").textContent = review.labels.length ? "（" + review.labels.length + " 条，导出后用于下次训练）" : "";
  }

  function useLabels(view) {
    review.labels = view.labels;
    review.intents = view.intents;
    review.topics = view.topics;
    review.byText = {};
    view.labels.forEach(function (x) { review.byText[normText(x.text)] = x; });
  }

  // after a label is stored or deleted: the labels, and the lists' 标注 cells (already / not yet labelled)
  function loadLabels() {
    return Promise.all([api("api/review/labels"), api("api/feedback"), reviewInsights()]).then(function (res) {
      useLabels(res[0]);
      renderLabels();
      renderFeedback(res[1]);
      renderReviewUnanswered(res[2]);
    });
  }

  function reviewInsights() {
    return api("api/insights?days=" + encodeURIComponent($("review-days").value));
  }

  function loadReview() { return loadLabels().catch(function () {}); }

  function bindReview() {
    $("review-days").addEventListener("change", loadReview);
    $("review-refresh").addEventListener("click", loadReview);
  }

  // ------------------------------------------------------------------------------------------------ versions (政策版本)
  // every document's versions and, for each 《办法》 version, the rules stale for it (api/versions); the changed
  // clauses between two versions of one document (api/versions/diff). Every sentence comes from the server; the
  // policy text is put on the page as text nodes inside <del> / <ins>, never as HTML.
  var versions = { view: null, seq: 0 };

  function staleBlock(v) {
    var block = el("div", { class: "stale-block " + (v.stale.length ? "stale" : "ok"), "data-version": v.key },
      el("h3", { text: v.label }),
      el("p", { class: "stale-summary", text: v.stale_summary }));
    if (v.stale.length) {
      block.appendChild(el("ul", { class: "stale-rules" }, v.stale.map(function (r) {
        return el("li", { "data-ref": r.ref },
          el("span", { class: "cit", text: r.citation }), el("strong", { text: r.title }),
          el("ul", { class: "problems" }, r.problems.map(function (p) { return el("li", { text: p }); })));
      })));
    }
    return block;
  }

  function versionDocument(d) {
    var box = $("tpl-version-document").content.firstElementChild.cloneNode(true);
    box.setAttribute("data-document", d.name);
    box.querySelector(".doc-heading").textContent = d.heading;
    var body = box.querySelector("tbody");
    d.versions.forEach(function (v) {
      body.appendChild(el("tr", { "data-version": v.key, "data-state": v.state },
        el("td", null, el("strong", { text: v.doc_number || v.title }), el("div", { class: "small", text: v.title })),
        el("td", { class: "period", text: v.period }),
        el("td", { text: v.origin_label }),
        el("td", null, el("span", { class: "tag state-" + v.state, text: v.state_label })),
        el("td", { class: "check " + (!v.checked ? "muted" : v.stale.length ? "stale" : "ok"), text: v.stale_summary })));
    });
    var blocks = box.querySelector(".stale-blocks");
    d.versions.forEach(function (v) { if (v.checked) blocks.appendChild(staleBlock(v)); });
    return box;
  }

  function renderVersions(view) {
    versions.view = view;
    $("versions-today").textContent = view.today_label;
    var attention = clear($("versions-attention"));
    view.attention.forEach(function (a) {
      attention.appendChild(el("p", { class: "attention " + a.state, role: "alert", "data-version": a.version,
                                      text: a.text }));
    });
    var n = view.attention.reduce(function (sum, a) { return sum + a.refs.length; }, 0);
    var badge = $("versions-stale-count");
    badge.textContent = String(n);
    badge.hidden = !n;
    var docs = clear($("versions-documents"));
    view.documents.forEach(function (d) { docs.appendChild(versionDocument(d)); });
    if (!$("tab-versions").hidden) diffChoices();  // on start only the count on the tab is wanted
  }

  function options(select, items, value) {
    clear(select);
    items.forEach(function (x) { select.appendChild(el("option", { value: x.value, text: x.text })); });
    if (value !== undefined && items.some(function (x) { return x.value === value; })) select.value = value;
  }

  function diffDocument(name) {
    return versions.view.documents.filter(function (d) { return d.name === name; })[0];
  }

  // the selects: the documents with two versions or more; a document's versions, by their first day. What was
  // chosen stays chosen across a refresh; the first time, the server's choice (the two latest of the 《办法》).
  function diffChoices() {
    var view = versions.view;
    var comparable = view.documents.filter(function (d) { return d.versions.length >= 2; });
    $("diff-controls").hidden = !comparable.length;
    $("diff-unavailable").hidden = comparable.length > 0;
    if (!comparable.length) { clear($("diff")); $("diff-summary").textContent = ""; return; }
    var first = !$("diff-document").value && view.diff;
    options($("diff-document"), comparable.map(function (d) { return { value: d.name, text: d.short_title }; }),
      first ? view.diff.document : $("diff-document").value);
    diffVersions(first ? view.diff : { from: $("diff-from").value, to: $("diff-to").value });
  }

  function diffVersions(chosen) {
    var d = diffDocument($("diff-document").value);
    var items = d.versions.map(function (v) { return { value: v.effective_from, text: v.label }; });
    var n = items.length;
    options($("diff-from"), items, chosen && chosen.from ? chosen.from : items[n - 2].value);
    options($("diff-to"), items, chosen && chosen.to ? chosen.to : items[n - 1].value);
    loadDiff();
  }

  function markedText(runs) {
    var p = el("p", { class: "marked", lang: "zh-CN" });
    runs.forEach(function (r) {
      var op = r[0], text = r[1];
      if (op === "-") p.appendChild(el("del", { text: text }));
      else if (op === "+") p.appendChild(el("ins", { text: text }));
      else p.appendChild(document.createTextNode(text));
    });
    return p;
  }

  function renderDiff(view) {
    $("diff-summary").textContent = view.summary;
    var box = clear($("diff"));
    view.changes.forEach(function (c) {
      box.appendChild(el("article", { class: "change " + c.status, "data-ref": c.ref, "data-status": c.status },
        el("h3", null, el("span", { class: "cit", text: c.citation }), el("span", { text: c.title || "" }),
          el("span", { class: "tag status-" + c.status, text: c.status_label })),
        markedText(c.marked)));
    });
  }

  function loadDiff() {
    var seq = ++versions.seq;
    var q = "?document=" + encodeURIComponent($("diff-document").value) +
      "&from=" + encodeURIComponent($("diff-from").value) + "&to=" + encodeURIComponent($("diff-to").value);
    return api("api/versions/diff" + q).then(function (view) {
      if (seq === versions.seq) { notice(""); renderDiff(view); }
    }).catch(function () {});
  }

  function loadVersions() {
    return api("api/versions").then(renderVersions).catch(function () {});
  }

  function bindVersions() {
    $("versions-refresh").addEventListener("click", loadVersions);
    $("diff-document").addEventListener("change", function () { diffVersions(null); });
    $("diff-from").addEventListener("change", loadDiff);
    $("diff-to").addEventListener("change", loadDiff);
  }

  // ------------------------------------------------------------------------------------------------ start
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) {
      b.addEventListener("click", function () {
        var tab = b.getAttribute("data-tab");
        if (HASH_TABS.indexOf(tab) >= 0) location.hash = "#" + tab;
        else location.hash = state.current ? "#" + encodeURIComponent(state.current) : "";
        if (tab === "law") showTab("law");
      });
    });
    $("days").addEventListener("change", loadInsights);
    $("refresh").addEventListener("click", loadInsights);
    bindTickets();
    bindReview();
    bindVersions();
    bindSearch();
    window.addEventListener("hashchange", route);
    var resizeTimer = null;
    window.addEventListener("resize", function () {  // charts are drawn at the box's pixel width
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        if (state.insights && !$("tab-insights").hidden) renderInsights(state.insights);
      }, 200);
    });
    Promise.all([api("api/clauses"), api("api/measures")]).then(function (res) {
      var cl = res[0], ms = res[1];
      state.doc = cl.document;
      state.clauses = cl.clauses;
      cl.clauses.forEach(function (c) { state.byRef[c.ref] = c; });
      ms.measures.forEach(function (m) { state.measures[m.id] = m; });
      state.support = ms.support;
      state.supportRef = ms.support_ref;
      $("doc-title").textContent = "《" + cl.document.title + "》";
      $("doc-meta").textContent = cl.document.doc_number + " · " + cl.document.issuer + " · " +
        cl.document.effective_on + "起实施 · 解释：" + cl.document.interpreter;
      buildTree();
      route();
      if ($("tab-tickets").hidden) loadTickets();  // the open-ticket count on the tab, whatever tab is shown
      if ($("tab-versions").hidden) loadVersions();  // the stale-rule count on the tab, likewise
      document.documentElement.setAttribute("data-ready", "1");
    }).catch(function () {});
  }

  start();
})();
