// The group admin's page rules (templates/admin/accounts/group/rule_rows.html): add, remove and
// move rows. Rules are evaluated as an ordered list and the server reads them in the order of
// their field names (rules-0-..., rules-1-...), so every change renumbers the rows' fields.
"use strict";
(function () {
  const FIELD = /rules-(\d+|__prefix__)-/;

  function renumber(list) {
    const rows = list.querySelectorAll(":scope > li.rule-row");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (element) {
        ["name", "id", "for"].forEach(function (attribute) {
          const value = element.getAttribute(attribute);
          if (value && FIELD.test(value)) {
            element.setAttribute(attribute, value.replace(FIELD, "rules-" + index + "-"));
          }
        });
      });
    });
    document.getElementById("id_rules-TOTAL_FORMS").value = rows.length;
  }

  function onClick(event, list) {
    const button = event.target.closest("button");
    const row = button && button.closest("li.rule-row");
    if (!row) {
      return;
    }
    if (button.classList.contains("rule-remove")) {
      row.remove();
    } else if (button.classList.contains("rule-up") && row.previousElementSibling) {
      list.insertBefore(row, row.previousElementSibling);
    } else if (button.classList.contains("rule-down") && row.nextElementSibling) {
      list.insertBefore(row.nextElementSibling, row);
    } else {
      return;
    }
    renumber(list);
  }

  function start() {
    const list = document.getElementById("rule-rows");
    const template = document.getElementById("rule-row-template");
    const add = document.getElementById("add-rule-row");
    if (!list || !template || !add) {
      return;
    }
    list.addEventListener("click", function (event) {
      onClick(event, list);
    });
    add.addEventListener("click", function () {
      list.appendChild(template.content.firstElementChild.cloneNode(true));
      renumber(list);
      list.lastElementChild.querySelector("input[type=text]").focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
