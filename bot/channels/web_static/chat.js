/* 嘉定人才港政策助手 — the web chat page. No framework, no network access but the bot's REST channel.
 *
 * Safety: bot and user text only ever reach the page through textContent / createElement, never innerHTML,
 * so "<script>" in a message is shown as text.
 * State: the sender id and the transcript are kept in localStorage, so a reload shows the same conversation
 * (and the bot, keyed by the same sender id, remembers the same profile).
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
    badges: { "✅": ["符合", "ok"], "🟡": ["待认定", "pending"], "❌": ["不符合", "no"],
              "❔": ["需补充", "info"], "➖": ["不适用", "na"] }
  };
  var STORAGE_KEY = "jd-policy-chat/v1";
  var MAX_SAVED = 200;          // transcript entries kept in the browser
  var TIMEOUT_MS = 60000;

  // 《办法》, 《办法》三, 《办法》三、2, 《办法》五（一）, 《办法》三、1至三、9
  var CLAUSE = "[一二三四五六七八九十]+(?:、[0-9０-９]+|（[一二三四五六七八九十]+）)?";
  var CITE = new RegExp("(《办法》(?:" + CLAUSE + "(?:至" + CLAUSE + ")?)?)");
  var ICON = /^(✅|🟡|❌|❔|➖)\uFE0F?\s*/;
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

  /** The bot's plain text → paragraphs, group headers, verdict items, lists. */
  function renderText(parent, text) {
    var item = null, listEl = null, m;
    String(text).split("\n").forEach(function (raw) {
      var indented = /^\s/.test(raw), line = raw.trim();
      if (!line) { item = listEl = null; return; }
      if ((m = line.match(/^——\s*(.*?)\s*(——)?$/))) {          // —— 初步符合，待区人社局认定 ——
        parent.appendChild(inline(el("div", "group"), m[1]));
        item = listEl = null;
        return;
      }
      if ((m = line.match(ICON))) {                              // 🟡 租金补贴（《办法》三、2）
        var badge = T.badges[m[1]];
        item = el("div", "item item-" + badge[1]);
        var title = el("div", "item-title");
        title.appendChild(el("span", "badge", badge[0]));
        item.appendChild(inline(title, line.slice(m[0].length)));
        parent.appendChild(item);
        listEl = null;
        return;
      }
      if (indented && item) {                                    //   金额：每年36万元…
        item.appendChild(labelled(el("div", "item-line"), line));
        return;
      }
      item = null;
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
      }).map(function (e) { return { from: e.from, text: e.text, buttons: cleanButtons(e.buttons) }; });
      return s;
    } catch (e) {
      return null;
    }
  }

  function save() {
    state.log = state.log.slice(-MAX_SAVED);
    try { localStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (e) { /* private mode: history not kept */ }
  }

  // ---- rendering ----
  function scrollToEnd() { list.scrollTop = list.scrollHeight; }

  function clearQuickReplies() {
    Array.prototype.slice.call(list.querySelectorAll(".quick")).forEach(function (q) { q.remove(); });
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

  function bubble(entry, withButtons) {
    var row = el("div", "msg " + entry.from);
    var b = el("div", "bubble");
    b.appendChild(el("span", "sr-only", entry.from === "user" ? T.you + "：" : T.bot + "："));
    if (entry.from === "user") b.appendChild(document.createTextNode(entry.text));
    else renderText(b, entry.text);
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
      var added = replies.filter(function (r) {
        return r && (typeof r.text === "string" || Array.isArray(r.buttons));
      }).map(function (r) {
        return { from: "bot", text: typeof r.text === "string" ? r.text : "", buttons: cleanButtons(r.buttons) };
      });
      if (!added.length) { showError(T.noReply); return; }
      var first = null;
      added.forEach(function (e, i) {
        state.log.push(e);
        var row = bubble(e, true);
        if (i === 0) first = row;
      });
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
