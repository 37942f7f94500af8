// Ranking a poll's options by drag and drop or the keyboard. DOM only: the form posts the
// hidden `ranking` inputs in the order they stand in the "My ranking" list.

const ranked = /** @type {HTMLOListElement} */ (document.getElementById("ranked"));
const unranked = /** @type {HTMLUListElement} */ (document.getElementById("unranked"));
const status = /** @type {HTMLElement} */ (document.getElementById("ranking-status"));
const empty = /** @type {HTMLElement} */ (document.getElementById("ranked-empty"));
const texts = /** @type {HTMLElement} */ (document.getElementById("ranking-texts")).dataset;

/** @param {string | undefined} template @param {Record<string, string | number>} values */
function fill(template, values) {
  return (template || "").replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

/** @param {HTMLElement} item */
function labelOf(item) {
  return item.querySelector(".label")?.textContent ?? "";
}

/** @param {string} cls @param {string} move @param {string} label @param {string} text */
function button(cls, move, label, text) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `secondary ${cls}`;
  b.dataset.move = move;
  b.setAttribute("aria-label", label);
  b.textContent = text;
  return b;
}

/** Give an item the hidden input and buttons that fit the list it now stands in. */
function dress(/** @type {HTMLElement} */ item) {
  const option = item.dataset.option ?? "";
  const label = labelOf(item);
  item.querySelector("input")?.remove();
  const moves = /** @type {HTMLElement} */ (item.querySelector(".moves"));
  moves.replaceChildren();
  if (item.parentElement === ranked) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "ranking";
    input.value = option;
    item.prepend(input);
    moves.append(
      button("up", "up", fill(texts.up, { option: label }), "↑"),
      button("down", "down", fill(texts.down, { option: label }), "↓"),
      button("remove", "remove", fill(texts.remove, { option: label }), "✕"),
    );
  } else {
    moves.append(button("add", "add", fill(texts.add, { option: label }), texts.addLabel ?? "+"));
  }
  empty.hidden = ranked.children.length > 0;
}

/** @param {HTMLElement} item */
function announce(item) {
  if (item.parentElement === ranked) {
    const position = Array.prototype.indexOf.call(ranked.children, item) + 1;
    status.textContent = fill(texts.moved, { option: labelOf(item), position });
  } else {
    status.textContent = fill(texts.removed, { option: labelOf(item) });
  }
}

/** @param {HTMLElement} item @param {string} move */
function apply(item, move) {
  if (move === "up" && item.previousElementSibling) {
    item.parentElement?.insertBefore(item, item.previousElementSibling);
  } else if (move === "down" && item.nextElementSibling) {
    item.parentElement?.insertBefore(item.nextElementSibling, item);
  } else if (move === "add") {
    ranked.append(item);
  } else if (move === "remove") {
    unranked.append(item);
  } else {
    return;
  }
  dress(item);
  announce(item);
}

for (const list of [ranked, unranked]) {
  list.addEventListener("click", (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const b = target.closest("button[data-move]");
    const item = /** @type {HTMLElement | null} */ (target.closest("li"));
    if (!(b instanceof HTMLButtonElement) || !item) return;
    const move = b.dataset.move ?? "";
    apply(item, move);
    // Keep the keyboard where the person is: on the same button, or on the moved item.
    const again = item.querySelector(`button[data-move="${move}"]`);
    (again instanceof HTMLElement ? again : item).focus();
  });
  list.addEventListener("keydown", (event) => {
    const item = /** @type {HTMLElement} */ (event.target);
    if (!(item instanceof HTMLLIElement)) return;
    const moves = {
      ArrowUp: event.altKey ? "up" : "",
      ArrowDown: event.altKey ? "down" : "",
      Enter: item.parentElement === ranked ? "" : "add",
      Delete: item.parentElement === ranked ? "remove" : "",
    };
    const move = moves[/** @type {keyof typeof moves} */ (event.key)] ?? "";
    if (!move) return;
    event.preventDefault();
    apply(item, move);
    item.focus();
  });
  list.addEventListener("dragstart", (event) => {
    const item = /** @type {HTMLElement} */ (event.target);
    item.classList.add("dragging");
    event.dataTransfer?.setData("text/plain", item.dataset.option ?? "");
  });
  list.addEventListener("dragend", (event) => {
    /** @type {HTMLElement} */ (event.target).classList.remove("dragging");
  });
  list.addEventListener("dragover", (event) => event.preventDefault());
  list.addEventListener("drop", (event) => {
    event.preventDefault();
    const option = event.dataTransfer?.getData("text/plain");
    const item = /** @type {HTMLElement | null} */ (
      document.querySelector(`.rank-list li[data-option="${CSS.escape(option ?? "")}"]`)
    );
    if (!item) return;
    const over = /** @type {HTMLElement} */ (event.target).closest("li");
    if (over && over !== item && over.parentElement === list) {
      const box = over.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      list.insertBefore(item, after ? over.nextElementSibling : over);
    } else if (!over) {
      list.append(item);
    }
    dress(item);
    announce(item);
  });
}
