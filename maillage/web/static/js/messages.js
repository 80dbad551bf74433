/* A page's words, from the message catalogue: the page carries them as a JSON data block
 * (<script type="application/json" id="messages">, rendered by the server from its catalogue; a data
 * block runs nothing). No script holds a word of its own: planner-map.js, planner.js (the workspace)
 * and public.js (the resident page) read them here. t(key, values) fills the named {placeholders}; a key naming a pair {one, other} is a
 * plural, chosen by values.n (the interface's rule, as the server's: 0 and 1 take the singular). */
(function () {
  "use strict";
  var node = document.getElementById("messages");
  var words = node ? JSON.parse(node.textContent) : {};
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  function lookup(key) {
    var value = words;
    key.split(".").forEach(function (part) { value = value === undefined || value === null ? undefined : value[part]; });
    return value === undefined ? key : value;
  }
  function t(key, values) {
    var text = lookup(key);
    if (text && typeof text === "object" && "one" in text) {
      text = values && Math.abs(values.count !== undefined ? values.count : values.n) >= 2 ? text.other : text.one;
    }
    return fill(text, values);
  }
  // the word for a code in a table of words (ops, kinds, site_changes), or undefined when unknown
  function has(key) { return lookup(key) !== key; }
  window.Messages = { t: t, has: has };
})();
