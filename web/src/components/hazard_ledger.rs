//! The hazard ledger: every hazard alive at the current step (the core's
//! `Trace::ledger`), each with the step that created it and the step where it bit, as
//! buttons that seek there. It keeps no state: it renders from the trace and the step.
use crate::state::{Action, AppContext};
use crate::view::TraceRef;
use ioasid_core::narrate::{hazard_subject, hazard_title};
use yew::prelude::*;

/// Hazards listed before "and N more".
const ROWS: usize = 50;

#[derive(Properties, PartialEq)]
pub struct HazardLedgerProps {
    pub trace: TraceRef,
    /// The step shown (0-based), `None` before the first.
    pub index: Option<usize>,
}

#[component]
pub fn HazardLedger(props: &HazardLedgerProps) -> Html {
    let ctx = use_context::<AppContext>();
    let entries = props
        .index
        .map(|i| props.trace.0.ledger(i))
        .unwrap_or_default();
    // A step on screen is 1-based: "step 3" is index 2, and seeking to 3 shows it.
    let seek = |step: usize| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(c) = &ctx {
                c.dispatcher().dispatch(Action::Seek(step));
            }
        })
    };
    let more = entries.len().saturating_sub(ROWS);
    html! {
        <section class="hazard-ledger panel" aria-labelledby="ledger-title">
            <h2 id="ledger-title">{ "Hazards" }</h2>
            if entries.is_empty() {
                <p class="muted">{ "No hazard exists at this step." }</p>
            } else {
                <p class="muted">{ "The model's words: the kernel sees none of these." }</p>
                <ul class="ledger-list" aria-label="Hazards alive at this step">
                    { for entries.iter().take(ROWS).map(|e| {
                        let l = e.life;
                        let title = hazard_title(l.kind);
                        let subject = hazard_subject(l.kind, l.id);
                        let created = l.created + 1;
                        html! {
                            <li>
                                <strong>{ title }</strong>{ ": " }<span class="mono">{ subject.clone() }</span>
                                <span class="ledger-what">{ l.what.clone() }</span>
                                if let Some((_, bite)) = e.bit.filter(|(_, w)| !w.is_empty()) {
                                    <span class="ledger-what ledger-bit">{ bite.to_string() }</span>
                                }
                                <span class="ledger-steps">
                                    <button type="button" class="link-button" onclick={seek(created)}
                                        aria-label={format!("{title}, {subject}: created at step {created}, go there")}>
                                        { format!("created at step {created}") }
                                    </button>
                                    if let Some((b, _)) = e.bit {
                                        <button type="button" class="link-button ledger-bit" onclick={seek(b + 1)}
                                            aria-label={format!("{title}, {subject}: bit at step {}, go there", b + 1)}>
                                            { format!("bit at step {}", b + 1) }
                                        </button>
                                    }
                                </span>
                            </li>
                        }
                    }) }
                </ul>
                if more > 0 { <p class="muted">{ format!("… and {more} more.") }</p> }
            }
        </section>
    }
}
