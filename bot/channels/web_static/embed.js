/* 嘉定人才港政策助手 — embed snippet for institutions' own sites. Paste one tag before </body>:
 *
 *   <script src="https://助手地址/webhooks/web/embed.js" async></script>
 *
 * Optional attributes: data-label="政策咨询" (button text), data-position="left" (default right),
 * data-open="true" (open at once). It adds a floating button; clicking it opens the chat page in an iframe
 * (created only then). Styles are set through the DOM inside a shadow root, so the host page's CSS and a strict
 * style-src policy do not affect it. window.JDPolicyChat.open() / .close() are there for the host page.
 */
(function () {
  "use strict";
  if (window.JDPolicyChat) return;                       // pasted twice: one button
  var script = document.currentScript;
  if (!script || !script.src) return;
  var src = new URL(script.src, location.href);
  var pageUrl = new URL("./?embed=1", src).href;         // …/webhooks/web/embed.js → …/webhooks/web/?embed=1
  var label = script.getAttribute("data-label") || "政策咨询";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var Z = "2147483000";

  function css(node, styles) { for (var k in styles) node.style[k] = styles[k]; return node; }

  var host = document.createElement("div");
  host.setAttribute("data-jd-policy-chat", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  var button = css(document.createElement("button"), {
    position: "fixed", bottom: "20px", zIndex: Z, display: "flex", alignItems: "center", gap: "6px",
    padding: "10px 16px", border: "0", borderRadius: "24px", background: "#1d4f91", color: "#fff",
    font: "15px/1.2 system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif",
    boxShadow: "0 4px 14px rgba(0,0,0,.25)", cursor: "pointer"
  });
  button.style[side] = "20px";
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-label", "打开嘉定人才港政策助手");
  var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  path.setAttribute("fill", "currentColor");
  svg.appendChild(path);
  button.appendChild(svg);
  button.appendChild(document.createTextNode(label));

  var panel = css(document.createElement("div"), {
    position: "fixed", zIndex: Z, display: "none", overflow: "hidden", background: "#eef2f7",
    boxShadow: "0 8px 30px rgba(0,0,0,.3)"
  });
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "嘉定人才港政策助手");
  var frame = null;
  var isOpen = false;

  function layout() {
    var small = window.innerWidth < 600;                 // phones: the chat takes the whole screen
    css(panel, small
      ? { top: "0", bottom: "0", left: "0", right: "0", width: "100%", height: "100%", borderRadius: "0" }
      : { top: "auto", bottom: "84px", left: "auto", right: "auto", width: "380px",
          height: "min(640px, calc(100vh - 110px))", borderRadius: "12px" });
    if (!small) panel.style[side] = "20px";
    button.style.display = isOpen && small ? "none" : "flex";
  }

  function open() {
    if (!frame) {
      frame = css(document.createElement("iframe"), { width: "100%", height: "100%", border: "0", display: "block" });
      frame.src = pageUrl;
      frame.title = "嘉定人才港政策助手";
      frame.setAttribute("allow", "clipboard-write");
      panel.appendChild(frame);
    }
    isOpen = true;
    panel.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    layout();
  }

  function close() {
    isOpen = false;
    panel.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    layout();
    button.focus();
  }

  button.addEventListener("click", function () { if (isOpen) close(); else open(); });
  window.addEventListener("resize", layout);
  window.addEventListener("message", function (ev) {   // the page's own close button (only from our iframe)
    if (frame && ev.source === frame.contentWindow && ev.origin === src.origin &&
        ev.data && ev.data.type === "jd-policy-chat:close") close();
  });

  root.appendChild(panel);
  root.appendChild(button);
  function mount() {
    document.body.appendChild(host);
    layout();
    if (script.getAttribute("data-open") === "true") open();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.JDPolicyChat = { open: open, close: close };
})();
