/* 嘉定人才港政策助手 — the web chat page. No framework, no network access but the bot's REST channel.
 *
 * Safety: bot and user text only ever reach the page through textContent / createElement, never innerHTML,
 * so "<script>" in a message is shown as text.
 * State: the sender id and the transcript are kept in localStorage, so a reload shows the same conversation
 * (and the bot, keyed by the same sender id, remembers the same profile).
 * Eligibility report: the bot sends its text and, right after it in the same reply, a custom JSON entry
 * {"custom": {"type": "assessment_report", "schema": 1, …}} (policy_kb.report.report_data). The page draws the
 * report card — the verdict badges included — from that data only, in place of the text; no verdict is ever read
 * back from the text.
 */
(function () {
  "use strict";

  var T = {
    offline: "无法连接到政策助手服务，请检查网络后重试。",
    timeout: "政策助手响应超时，请稍后重试。",
    httpError: "政策助手暂时无法回答（错误代码 {status}），请稍后重试。",
    badReply: "政策助手返回了无法识别的内容，请稍后重试。",
    noReply: "政策助手没有给出回答，请换个说法再试，或点击“重新开始”。",
    retry: "重试",
    typing: "政策助手正在输入",
    you: "您说",
    bot: "政策助手说",
    reportPage: "打开可打印的报告",
    reportPdf: "下载 PDF",
    feedbackAsk: "这个回答有帮助吗？",
    reportReady: "报告已生成，可打印或下载，链接有效至{date}。持有链接的人都能打开，请勿公开转发。"
  };
  // under the latest answer; the bot stores them with the question and the answer (actions/feedback.py)
  var SKIP_TITLES = ["跳过", "不清楚", "不留了"];   // the skip buttons under the bot's questions
  var FEEDBACK = [{ title: "有帮助", payload: "/feedback_helpful" }, { title: "没帮助", payload: "/feedback_unhelpful" }];
  // a verdict of the report data → the badge's CSS class (item-ok …) and its label if the data has none
  var VERDICTS = {
    eligible: ["ok", "符合"], pending: ["pending", "待认定"], not_eligible: ["no", "不符合"],
    need_info: ["info", "需补充"], not_applicable: ["na", "不适用"], updating: ["updating", "更新中"]
  };
  // a report line's kind → its mark (the reason's status, from the data, not from the text)
  var MARKS = { met: ["✓", "ok"], failed: ["✗", "no"], unknown: ["?", "info"] };
  var REPORT_TYPE = "assessment_report";
  var REPORT_SCHEMA = 1;
  // 导出报告: {"custom": {"type": "report_link", "html": "/webhooks/web/report/<token>", "pdf": "….pdf"}} → two links
  var LINK_TYPE = "report_link";
  var LINK_PATH = /^\/webhooks\/web\/report\/[A-Za-z0-9_-]{43}(\.pdf)?$/;
  var STORAGE_KEY = "jd-policy-chat/v1";
  var MAX_SAVED = 200;          // transcript entries kept in the browser
  var TIMEOUT_MS = 60000;

  // 《办法》, 《办法》三, 《办法》三、2, 《办法》五（一）, 《办法》三、1至三、9
  var CLAUSE = "[一二三四五六七八九十]+(?:、[0-9０-９]+|（[一二三四五六七八九十]+）)?";
  var CITE = new RegExp("(《办法》(?:" + CLAUSE + "(?:至" + CLAUSE + ")?)?)");
  var LABEL = /^([^：:“”《》（）()\s]{1,6})：([\s\S]*)$/;

  var endpoint = new URL(document.body.getAttribute("data-endpoint") || "../rest/webhook", location.href).href;
  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendBtn = document.getElementById("send");
  var state = load() || fresh();
  var busy = false;
  var epoch = 0;                // bumped by "重新开始": replies to an older conversation are dropped
  var controller = null;

  // ---- tiny DOM helpers (text only) ----
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /** Append text to parent, wrapping 《办法》 citations in <span class="cite">. */
  function inline(parent, text) {
    var parts = String(text).split(CITE);   // capturing group: odd indexes are citations
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) continue;
      parent.appendChild(i % 2 ? el("span", "cite", parts[i]) : document.createTextNode(parts[i]));
    }
    return parent;
  }

  /** "金额：36万元" → <strong>金额：</strong>36万元 (short labels only). */
  function labelled(parent, text) {
    var m = text.match(LABEL);
    if (m) {
      parent.appendChild(el("strong", "label", m[1] + "："));
      text = m[2];
    }
    var mark = text.match(/^([✓✗?])\s*/);
    if (mark) {
      parent.appendChild(el("span", "mark mark-" + ({ "✓": "ok", "✗": "no", "?": "info" })[mark[1]], mark[1]));
      text = text.slice(mark[0].length);
    }
    return inline(parent, text);
  }

  /** The bot's plain text → paragraphs, section headers, lists, 【】 titles, subheads (no verdicts: see renderReport). */
  function renderText(parent, text) {
    var listEl = null, m;
    String(text).split("\n").forEach(function (raw) {
      var line = raw.trim();
      if (!line) { listEl = null; return; }
      if ((m = line.match(/^——\s*(.*?)\s*(——)?$/))) {          // —— 常见问题 ——
        parent.appendChild(inline(el("div", "group"), m[1]));
        listEl = null;
        return;
      }
      if ((m = line.match(/^[·•]\s*([\s\S]*)$/))) {              // · 条件
        if (!listEl || listEl.tagName !== "UL") listEl = parent.appendChild(el("ul"));
        listEl.appendChild(labelled(el("li"), m[1]));
        return;
      }
      if ((m = line.match(/^(\d+)[.．]\s*([\s\S]*)$/))) {        // 1. 落户奖励（《办法》三、1）：…
        if (!listEl || listEl.tagName !== "OL") listEl = parent.appendChild(el("ol"));
        var li = labelled(el("li"), m[2]);
        li.value = Number(m[1]);
        listEl.appendChild(li);
        return;
      }
      listEl = null;
      if ((m = line.match(/^(【[^】]+】)([\s\S]*)$/))) {           // 【租金补贴】《办法》三、2
        var head = el("p", "title");
        head.appendChild(el("strong", null, m[1]));
        parent.appendChild(inline(head, m[2]));
      } else if (/[：:]$/.test(line) && line.length <= 16) {     // 申请条件：
        parent.appendChild(inline(el("p", "subhead"), line));
      } else {
        parent.appendChild(labelled(el("p"), line));
      }
    });
    return parent;
  }

  // ---- the eligibility report, from its data (the custom entry) ----
  function str(v) { return typeof v === "string" ? v : (typeof v === "number" && isFinite(v) ? String(v) : null); }
  function plain(o) { return o !== null && typeof o === "object" && !Array.isArray(o); }
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  function reportLines(v) {
    if (v == null) return [];
    if (!Array.isArray(v)) throw new Error("lines");
    return v.map(function (l) {
      if (!plain(l) || str(l.text) == null) throw new Error("line");
      return { kind: str(l.kind) || "", text: str(l.text) };
    });
  }

  /** A report_link entry → [{title, href}] (same-origin report paths only), or null. */
  function reportLinks(c) {
    if (!plain(c) || c.type !== LINK_TYPE) return null;
    var links = [];
    if (typeof c.html === "string" && LINK_PATH.test(c.html)) links.push({ title: T.reportPage, href: c.html });
    if (typeof c.pdf === "string" && LINK_PATH.test(c.pdf)) links.push({ title: T.reportPdf, href: c.pdf });
    return links.length ? links : null;
  }

  /** What is kept of a report_link entry (the same shape, checked again by reportLinks after a reload). */
  function linkData(c) { return { type: LINK_TYPE, html: c.html, pdf: c.pdf }; }

  function linkRow(links) {
    var row = el("div", "report-links");
    links.forEach(function (l) {
      var a = el("a", "report-link", l.title);
      a.href = l.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      if (/\.pdf$/.test(l.href)) a.setAttribute("download", "");   // the PDF is saved, the page opens
      row.appendChild(a);
    });
    return row;
  }

  /** The custom entry's payload → the part of it the card shows (the same shape, so this is also how a stored one is
   * checked after a reload), or null when it is not a report this page knows (other type or schema, malformed). */
  function reportData(c) {
    try {
      if (!plain(c) || c.type !== REPORT_TYPE || c.schema !== REPORT_SCHEMA) return null;
      if (str(c.summary) == null || !Array.isArray(c.groups) || !Array.isArray(c.measures)) return null;
      var ids = Object.create(null);
      var measures = c.measures.map(function (m) {
        if (!plain(m) || str(m.id) == null || str(m.title) == null) throw new Error("measure");
        if (typeof m.verdict !== "string" || !has(VERDICTS, m.verdict)) throw new Error("verdict");
        ids[str(m.id)] = true;
        return { id: str(m.id), title: str(m.title), citation: str(m.citation) || "", verdict: m.verdict,
                 badge: str(m.badge) || VERDICTS[m.verdict][1], lines: reportLines(m.lines) };
      });
      var groups = c.groups.map(function (g) {
        if (!plain(g) || !Array.isArray(g.measures)) throw new Error("group");
        return { verdict: str(g.verdict) || "", label: str(g.label) || "", head: str(g.head) || "",
                 measures: g.measures.map(function (id) {
                   if (str(id) == null || !(str(id) in ids)) throw new Error("group member");
                   return str(id);
                 }) };
      });
      var support = plain(c.support) ? c.support : {};
      var next = plain(c.next_steps) ? c.next_steps : {};
      if (next.items != null && !Array.isArray(next.items)) return null;
      return {
        type: REPORT_TYPE, schema: REPORT_SCHEMA, summary: str(c.summary),
        support: { lines: reportLines(support.lines) },
        groups: groups, measures: measures,
        next_steps: { head: str(next.head) || "",
                      items: (next.items || []).map(str).filter(function (x) { return x != null; }) },
        undecided_text: str(c.undecided_text) || ""
      };
    } catch (e) {
      return null;
    }
  }

  /** One detail line: its mark (✓ ✗ ?) from the line's kind, a short "金额：" label, the rest with citations. */
  function reportLine(parent, line) {
    var text = line.text, m = text.match(LABEL), mark = has(MARKS, line.kind) ? MARKS[line.kind] : null;
    if (m) {
      parent.appendChild(el("strong", "label", m[1] + "："));
      text = m[2];
    }
    if (mark) {
      parent.appendChild(el("span", "mark mark-" + mark[1], mark[0]));
      text = text.replace(/^\s+/, "");
      if (text.indexOf(mark[0]) === 0) text = text.slice(mark[0].length).replace(/^\s+/, "");  // the glyph once
    }
    return inline(parent, text);
  }

  /** The report card: summary, support-object lines, per verdict group its measures with badges, next steps. */
  function renderReport(parent, r) {
    var m = r.summary.match(/^(【[^】]+】)([\s\S]*)$/);
    var head = el("p", "title");
    if (m) head.appendChild(el("strong", null, m[1]));
    parent.appendChild(inline(head, m ? m[2] : r.summary));
    r.support.lines.forEach(function (l) { parent.appendChild(reportLine(el("p", "support-line"), l)); });
    var byId = Object.create(null);
    r.measures.forEach(function (x) { byId[x.id] = x; });
    r.groups.forEach(function (g) {
      var label = g.head.replace(/^[—\s]+|[—\s]+$/g, "") || g.label;
      if (label) parent.appendChild(inline(el("div", "group"), label));
      g.measures.forEach(function (id) {
        var x = byId[id], v = VERDICTS[x.verdict];
        var item = el("div", "item item-" + v[0]);
        item.setAttribute("data-verdict", x.verdict);
        item.setAttribute("data-measure", x.id);
        var title = el("div", "item-title");
        title.appendChild(el("span", "badge", x.badge));
        title.appendChild(document.createTextNode(x.title));
        if (x.citation) {
          title.appendChild(document.createTextNode("（"));
          title.appendChild(el("span", "cite", x.citation));
          title.appendChild(document.createTextNode("）"));
        }
        item.appendChild(title);
        x.lines.forEach(function (l) { item.appendChild(reportLine(el("div", "item-line"), l)); });
        parent.appendChild(item);
      });
    });
    if (r.next_steps.head) parent.appendChild(inline(el("p", "subhead"), r.next_steps.head));
    if (r.next_steps.items.length) {
      var ul = parent.appendChild(el("ul"));
      r.next_steps.items.forEach(function (s) { ul.appendChild(reportLine(el("li"), { kind: "", text: s })); });
    }
    if (r.undecided_text) parent.appendChild(reportLine(el("p", "undecided"), { kind: "", text: r.undecided_text }));
    return parent;
  }

  /** The card into the bubble; false (the bubble as it was) should the data still hold a surprise. */
  function card(bubbleEl, report) {
    var box = el("div", "report");
    try {
      renderReport(box, report);
    } catch (e) {
      return false;
    }
    bubbleEl.appendChild(box);
    return true;
  }

  // ---- transcript ----
  function newSender() {
    var bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function fresh() { return { sender: newSender(), log: [] }; }

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons.filter(function (b) { return b && b.title != null && b.payload != null; })
      .map(function (b) { return { title: String(b.title), payload: String(b.payload) }; });
  }

  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (!s || typeof s.sender !== "string" || !/^web-[0-9a-f]{8,32}$/.test(s.sender)) return null;
      if (!Array.isArray(s.log)) return null;
      s.log = s.log.filter(function (e) {
        return e && (e.from === "user" || e.from === "bot") && typeof e.text === "string";
      }).map(function (e) {
        var entry = { from: e.from, text: e.text, buttons: cleanButtons(e.buttons) };
        if (e.report != null) {                  // a card: drawn again if its data still is a report, else left out
          entry.report = e.from === "bot" ? reportData(e.report) : null;
          if (!entry.report) return null;
        }
        if (e.from === "bot" && e.links != null && reportLinks(e.links)) entry.links = linkData(e.links);
        return entry;
      }).filter(Boolean);
      return s;
    } catch (e) {
      return null;
    }
  }

  function save() {
    state.log = state.log.slice(-MAX_SAVED);
    // A report is kept as the part of its data the card shows (~3 KB, not the ~15 KB payload), without its text (the
    // card says it all). Should the quota still be exceeded, the oldest half of the history goes; in private mode
    // nothing is kept.
    var all = state.log.map(function (e) {
      return e.report ? { from: e.from, text: "", buttons: e.buttons, report: e.report } : e;
    });
    for (var keep = all.length; ; keep = Math.floor(keep / 2)) {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify({ sender: state.sender, log: all.slice(all.length - keep) }));
        return;
      } catch (e) {
        if (!keep) return;
      }
    }
  }

  // ---- rendering ----
  function scrollToEnd() { list.scrollTop = list.scrollHeight; }

  function clearQuickReplies() {
    Array.prototype.slice.call(list.querySelectorAll(".quick")).forEach(function (q) { q.remove(); });
    Array.prototype.slice.call(list.querySelectorAll(".feedback-row")).forEach(function (q) { q.remove(); });
  }

  function quickReplies(buttons, onClick) {
    var box = el("div", "quick");
    buttons.forEach(function (b) {
      var btn = el("button", "quick-btn", b.title);
      btn.type = "button";
      btn.addEventListener("click", function () { onClick(b); });
      box.appendChild(btn);
    });
    return box;
  }

  /** 有帮助 / 没帮助 under the latest answer (a quick-reply row: gone once the next message is sent). */
  function feedbackRow() {
    var box = quickReplies(FEEDBACK, function (btn) { send(btn.payload, btn.title); });
    box.className = "quick feedback";
    box.setAttribute("aria-label", T.feedbackAsk);
    box.insertBefore(el("span", "feedback-ask", T.feedbackAsk), box.firstChild);
    var row = el("div", "msg bot feedback-row");
    row.appendChild(box);
    list.appendChild(row);
  }

  /** The reply asks the user something (it ends with a question, or offers to skip it as every question of the
   * self-check and of the ticket form does): no feedback row under it. */
  function asks(entry) {
    if (!entry || entry.report) return false;
    var skippable = (entry.buttons || []).some(function (b) { return SKIP_TITLES.indexOf(b.title) >= 0; });
    return skippable || /[？?]\s*$/.test(entry.text || "");
  }

  function isFeedback(text) {
    return FEEDBACK.some(function (f) { return f.title === text; });
  }

  function bubble(entry, withButtons) {
    var row = el("div", "msg " + entry.from);
    var b = el("div", "bubble");
    b.appendChild(el("span", "sr-only", entry.from === "user" ? T.you + "：" : T.bot + "："));
    if (entry.from === "user") b.appendChild(document.createTextNode(entry.text));
    else if (!(entry.report && card(b, entry.report))) renderText(b, entry.text);
    var links = entry.links ? reportLinks(entry.links) : null;
    if (links) b.appendChild(linkRow(links));
    row.appendChild(b);
    if (withButtons && entry.buttons && entry.buttons.length) {
      row.appendChild(quickReplies(entry.buttons, function (btn) { send(btn.payload, btn.title); }));
    }
    list.appendChild(row);
    return row;
  }

  function renderAll() {
    Array.prototype.slice.call(list.querySelectorAll(".msg")).forEach(function (n) { n.remove(); });
    var lastUser = -1;
    state.log.forEach(function (e, i) { if (e.from === "user") lastUser = i; });
    state.log.forEach(function (e, i) { bubble(e, i > lastUser); });
    var last = state.log[state.log.length - 1];
    if (last && last.from === "bot" && !asks(last) && !(lastUser >= 0 && isFeedback(state.log[lastUser].text))) {
      feedbackRow();
    }
    scrollToEnd();
  }

  function showError(text, retry) {
    var row = el("div", "msg bot error");
    row.setAttribute("role", "alert");
    row.appendChild(el("div", "bubble", text));
    if (retry) row.appendChild(quickReplies([{ title: T.retry }], function () { row.remove(); retry(); }));
    list.appendChild(row);
    scrollToEnd();
  }

  var typingRow = null;
  function setBusy(on) {
    busy = on;
    sendBtn.disabled = on;
    list.setAttribute("aria-busy", on ? "true" : "false");
    if (on && !typingRow) {
      typingRow = el("div", "msg bot typing");
      var b = el("div", "bubble");
      b.setAttribute("aria-label", T.typing);
      for (var i = 0; i < 3; i++) b.appendChild(el("span", "dot"));
      typingRow.appendChild(b);
      list.appendChild(typingRow);
      scrollToEnd();
    } else if (!on && typingRow) {
      typingRow.remove();
      typingRow = null;
    }
  }

  // ---- talking to the bot (REST channel: one POST per message, the replies in the response) ----
  function post(sender, message, signal) {
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message, input_channel: "web" }),
      credentials: "omit",
      signal: signal
    }).then(function (res) {
      return res.text().then(function (body) {
        var data = null;
        try { data = JSON.parse(body); } catch (e) { /* not JSON */ }
        if (!res.ok) {
          var err = new Error("http");
          err.text = data && typeof data.error === "string" ? data.error : T.httpError.replace("{status}", res.status);
          throw err;
        }
        if (!Array.isArray(data)) { var bad = new Error("bad"); bad.text = T.badReply; throw bad; }
        return data;
      });
    });
  }

  /** Send `message` (text or a button payload); `shown` is what the user's bubble says (a button's title). */
  function send(message, shown, silent) {
    message = String(message).trim();
    if (!message || busy) return;
    clearQuickReplies();
    if (!silent) {
      var entry = { from: "user", text: shown || message };
      state.log.push(entry);
      save();
      bubble(entry, false);
    }
    var mine = epoch;
    controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
    setBusy(true);
    post(state.sender, message, controller && controller.signal).then(function (replies) {
      if (mine !== epoch) return;
      setBusy(false);
      // Text (with its buttons) → a bubble. A custom entry that is a report (see reportData) turns the bubble of the
      // entry just before it — the report's text — into the card, its buttons kept; any other custom entry (another
      // type, a newer schema, malformed) is ignored, the text stays.
      var added = [], prev = null;   // prev: the bubble made from the reply just before, if any
      replies.forEach(function (r) {
        var entry = null;
        if (r && (typeof r.text === "string" || Array.isArray(r.buttons))) {
          entry = { from: "bot", text: typeof r.text === "string" ? r.text : "", buttons: cleanButtons(r.buttons) };
          added.push(entry);
        }
        var links = r && r.custom != null && reportLinks(r.custom) ? linkData(r.custom) : null;
        if (links && (entry || prev)) {
          // the link text's bubble (just before): its absolute links (for WeChat) give way to the two links here
          var linkHost = entry || prev;
          linkHost.links = links;
          if (/^\d{4}-\d{2}-\d{2}$/.test(r.custom.expires_on || "")) {
            linkHost.text = T.reportReady.replace("{date}", r.custom.expires_on);
          }
        }
        var report = r && r.custom != null ? reportData(r.custom) : null;
        if (report) {
          var host = entry || (prev && !prev.report ? prev : null);
          if (!host) added.push(host = { from: "bot", text: "", buttons: [] });
          host.report = report;        // (its text is not stored: see save)
          entry = host;
        }
        prev = entry;
      });
      if (!added.length) { showError(T.noReply); return; }
      var first = null;
      added.forEach(function (e, i) {
        state.log.push(e);
        var row = bubble(e, true);
        if (i === 0) first = row;
      });
      if (!isFeedback(shown) && !asks(added[added.length - 1])) feedbackRow();   // not under a thanks or a question
      save();
      // a long answer (a report) is read from its top, under the question; a short one just scrolls into view
      var top = first.previousElementSibling && first.previousElementSibling.classList.contains("user")
        ? first.previousElementSibling : first;
      if (list.scrollHeight - top.offsetTop > list.clientHeight) {   // .messages is the offsetParent
        list.scrollTop = top.offsetTop - 8;
      } else scrollToEnd();
    }).catch(function (err) {
      if (mine !== epoch) return;
      setBusy(false);
      var text = err && err.text ? err.text : (err && err.name === "AbortError" ? T.timeout : T.offline);
      showError(text, function () { send(message, shown, true); });
    }).then(function () { clearTimeout(timer); });
  }

  function restart() {
    var old = state.sender;
    epoch += 1;
    if (controller) controller.abort();
    setBusy(false);
    post(old, "/reset_profile").catch(function () { /* best effort: the new sender starts empty anyway */ });
    state = fresh();
    save();
    list.querySelectorAll(".msg").forEach(function (n) { n.remove(); });
    send("/greet", null, true);
  }

  // ---- wiring ----
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (busy || !input.value.trim()) return;
    var text = input.value;
    input.value = "";
    send(text);
  });
  document.getElementById("restart").addEventListener("click", restart);

  if (/[?&]embed=1(&|$)/.test(location.search)) {   // inside embed.js's iframe: a close button for the host page
    document.documentElement.classList.add("embedded");
    var close = document.getElementById("close");
    close.hidden = false;
    close.addEventListener("click", function () { parent.postMessage({ type: "jd-policy-chat:close" }, "*"); });
  }

  renderAll();
  if (!state.log.length) send("/greet", null, true);   // the welcome and its buttons come from the bot's domain
})();
