//! A bounded window over a long list. A panel renders at most [`PAGE_ROWS`] rows of a
//! list and these controls page through the rest, so a lesson with 200,000 processes or
//! queued page requests builds a few hundred elements, not millions.
use crate::view::num;
use std::ops::Range;
use yew::prelude::*;

/// Rows shown at once.
pub const PAGE_ROWS: usize = 25;

/// The rows of page `page` (from 0) of a `total`-row list: the last page when `page` is
/// past it, `0..0` for an empty list.
pub fn page_range(total: usize, page: usize) -> Range<usize> {
    let last = total.saturating_sub(1) / PAGE_ROWS;
    let start = page.min(last) * PAGE_ROWS;
    start..(start + PAGE_ROWS).min(total)
}

/// A page of a `total`-row list and the controls that move it: the rows to render, and
/// the controls (nothing when every row fits one page). `what` names the rows
/// ("processes"): the controls' names and their "1–25 of 200,000 processes" read it.
/// The page stays where the learner left it while the list changes (clamped to its end).
#[hook]
pub fn use_pager(total: usize, what: &'static str) -> (Range<usize>, Html) {
    let page = use_state_eq(|| 0usize);
    let range = page_range(total, *page);
    if total <= PAGE_ROWS {
        return (range, Html::default());
    }
    let nav = pager_nav(range.clone(), total, what, page.setter());
    (range, nav)
}

/// The controls of [`use_pager`]: one copy of this code, not one in every panel.
#[inline(never)]
fn pager_nav(
    range: Range<usize>,
    total: usize,
    what: &'static str,
    page: UseStateSetter<usize>,
) -> Html {
    let at = range.start / PAGE_ROWS;
    let last = (total - 1) / PAGE_ROWS;
    let go = |to: usize| {
        let page = page.clone();
        Callback::from(move |_: MouseEvent| page.set(to))
    };
    html! {
        <nav class="pager" aria-label={format!("Pages of {what}")}>
            <button type="button" class="secondary small" aria-label={format!("First {what}")}
                disabled={at == 0} onclick={go(0)}>{ "«" }</button>
            <button type="button" class="secondary small" aria-label={format!("Previous {what}")}
                disabled={at == 0} onclick={go(at.saturating_sub(1))}>{ "‹" }</button>
            <span class="pager-status" aria-live="polite">
                { format!("{}–{} of {} {what}", num(range.start as u64 + 1), num(range.end as u64), num(total as u64)) }
            </span>
            <button type="button" class="secondary small" aria-label={format!("Next {what}")}
                disabled={at >= last} onclick={go(at + 1)}>{ "›" }</button>
            <button type="button" class="secondary small" aria-label={format!("Last {what}")}
                disabled={at >= last} onclick={go(last)}>{ "»" }</button>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_list_and_clamp_to_its_end() {
        assert_eq!(page_range(0, 0), 0..0);
        assert_eq!(page_range(3, 0), 0..3);
        assert_eq!(page_range(3, 9), 0..3);
        assert_eq!(page_range(PAGE_ROWS, 1), 0..PAGE_ROWS);
        assert_eq!(page_range(PAGE_ROWS + 1, 1), PAGE_ROWS..PAGE_ROWS + 1);
        assert_eq!(page_range(200_000, 2), 2 * PAGE_ROWS..3 * PAGE_ROWS);
        assert_eq!(
            page_range(200_000, usize::MAX),
            200_000 - PAGE_ROWS..200_000
        );
    }
}
