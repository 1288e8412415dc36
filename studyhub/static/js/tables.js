/* Tables that do not fit the phone become stacked cards: one card per row, each cell
   labelled with its column's header. Only tables wider than their box change, so a
   table that fits (or a wide screen) keeps its columns; without JavaScript the table
   scrolls inside its own box. Print layouts keep their tables. */
(function () {
  "use strict";

  function label(table) {
    var heads = table.querySelectorAll("thead tr:last-child th");
    if (!heads.length) return false;
    var names = Array.prototype.map.call(heads, function (th) {
      return (th.innerText || th.textContent || "").trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr, tfoot tr"), function (row) {
      var col = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        if (!cell.hasAttribute("data-label") && names[col]) cell.setAttribute("data-label", names[col]);
        col += cell.colSpan || 1;
      });
    });
    return true;
  }

  function fit() {
    var tables = document.querySelectorAll("main table:not(.keep-columns)");
    Array.prototype.forEach.call(tables, function (table) {
      // Prose tables scroll; a grid whose cells span rows (a calendar) keeps its shape.
      if (table.closest(".prose") || table.querySelector("[rowspan]")) return;
      table.classList.remove("is-stacked");
      var box = table.parentElement;
      var room = box ? box.clientWidth : document.documentElement.clientWidth;
      if (table.scrollWidth > room + 1 && label(table)) table.classList.add("is-stacked");
    });
  }

  var waiting = null;
  function later() {
    if (waiting) clearTimeout(waiting);
    waiting = setTimeout(fit, 150);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fit);
  else fit();
  window.addEventListener("resize", later);
  window.addEventListener("load", fit); // web fonts and a larger text size may widen a table
})();
