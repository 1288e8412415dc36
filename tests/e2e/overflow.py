"""Checks that a phone page fits: no sideways scroll, every control inside the screen's width.

``TEXT_200`` is an init script that doubles the root font size (the phone's "large text"
setting; every size in app.css is in rem). It runs through Playwright, outside the page's
Content-Security-Policy.
"""

from __future__ import annotations

from playwright.sync_api import Page

TEXT_200 = """
(() => {
  const grow = () => { document.documentElement.style.fontSize = '200%'; };
  if (document.documentElement) grow();
  document.addEventListener('DOMContentLoaded', grow);
})();
"""

# Every visible button, link and form control whose box leaves the viewport's width, and the
# page's own width when it scrolls sideways.
_PROBLEMS = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) problems.push(`page is ${scroll}px wide in ${width}px`);
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const el of controls) {
    if (el.closest('[hidden], .visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (box.left < -1 || box.right > width + 1) {
      const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
      problems.push(`${el.tagName.toLowerCase()} "${text.slice(0, 30)}" at ` +
        `${Math.round(box.left)}..${Math.round(box.right)}px`);
    }
  }
  return problems;
}
"""


def overflow_problems(page: Page) -> list[str]:
    """What does not fit the phone's width on the page now shown (empty when it all fits)."""
    return page.evaluate(_PROBLEMS)
