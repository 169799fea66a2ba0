// Formatting toolbar and live preview for the page editor. The form works without this file:
// the "Preview" button renders the preview on the server.
(function () {
  "use strict";
  var area = document.querySelector("textarea[data-editor]");
  if (!area) return;
  var form = area.form;
  var preview = document.getElementById("preview");

  function wrap(before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder;
    area.setRangeText(before + chosen + after, start, end, "end");
    area.selectionStart = start + before.length;
    area.selectionEnd = start + before.length + chosen.length;
    area.focus();
    schedule();
  }

  function prefixLines(prefix) {
    var start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    var lines = area.value.slice(start, end).split("\n");
    var numbered = prefix === "1. ";
    var text = lines.map(function (line, i) { return (numbered ? (i + 1) + ". " : prefix) + line; }).join("\n");
    area.setRangeText(text, start, end, "end");
    area.focus();
    schedule();
  }

  var actions = [
    ["Bold", function () { wrap("**", "**", "bold text"); }],
    ["Italic", function () { wrap("*", "*", "italic text"); }],
    ["Heading", function () { prefixLines("## "); }],
    ["Bulleted list", function () { prefixLines("- "); }],
    ["Numbered list", function () { prefixLines("1. "); }],
    ["Link", function () {
      var url = window.prompt("Link address (for example /contact or https://…)");
      if (url) wrap("[", "](" + url + ")", "link text");
    }]
  ];

  var toolbar = document.createElement("div");
  toolbar.className = "toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Formatting");
  toolbar.setAttribute("aria-controls", area.id);
  actions.forEach(function (action) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = action[0];
    button.addEventListener("click", action[1]);
    toolbar.appendChild(button);
  });
  area.parentNode.insertBefore(toolbar, area);

  var timer = null;
  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }
  function refresh() {
    var data = new URLSearchParams();
    data.set("csrf", form.querySelector("input[name=csrf]").value);
    data.set("body", area.value);
    fetch("/staff/preview", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { preview.innerHTML = html; })
      .catch(function () { /* the server-side Preview button still works */ });
  }
  area.addEventListener("input", schedule);
})();
