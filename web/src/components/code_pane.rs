//! The code pane: our own kernel-style pseudo-code of the function the step runs, with the
//! lines it ran marked in order, the current (last) line highlighted, and the branches it
//! took labelled.
use crate::view::StepRef;
use ioasid_core::profile::Profile;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CodePaneProps {
    /// The step shown, if any.
    pub step: Option<StepRef>,
    /// False while the step's question waits: its lines are not shown yet.
    pub revealed: bool,
    /// The profile the run follows: the listing is its era's.
    pub profile: Profile,
}

/// `a->b` with a word joiner inside the arrow, so a narrow pane wraps lines at spaces
/// but never between `-` and `>`.
fn no_break_arrows(text: &str) -> String {
    text.replace("->", "-\u{2060}>")
}

#[component]
pub fn CodePane(props: &CodePaneProps) -> Html {
    let Some(st) = props.step.as_ref().and_then(StepRef::get) else {
        return html! {
            <section class="code-pane panel" aria-labelledby="code-title">
                <h2 id="code-title">{ "Code" }</h2>
                <p class="muted">{ "The pseudo-code of each step's kernel function appears here." }</p>
            </section>
        };
    };
    // Only this listing's lines are numbered (a step may also pass through lines of
    // another function's listing), so the order reads 1, 2, 3...
    let (listing, marks) = st.line_marks(props.profile, props.revealed);
    let source = &listing.source;
    let current = marks.iter().any(|m| m.current);
    html! {
        <section class="code-pane panel" aria-labelledby="code-title">
            <h2 id="code-title">{ "Code: " }<code>{ source.function }</code></h2>
            <p class="code-source">
                { "Our pseudo-code of " }<code>{ source.function }</code>{ " in " }<code>{ source.file }</code>
                { ", " }{ source.version }
                if let Some(url) = &source.url {
                    { " (" }<a href={url.clone()} target="_blank" rel="noopener noreferrer">{ "read the source" }</a>{ ")" }
                }
            </p>
            if !props.revealed {
                <p class="muted">{ "Answer the question to see which lines run." }</p>
            } else if !current {
                <p class="muted">{ "No line of this listing ran at this step." }</p>
            } else {
                <p class="muted code-legend">{ "✓ marks the lines this step ran. Numbers give the order of the lines the model reports (entry, branches taken, stores); ▶ is the last. A condition is marked only when its branch was taken." }</p>
            }
            <p class="code-scroll-hint muted">{ "Lines too long for this screen scroll sideways: swipe the listing to read their ends." }</p>
            // Scrolled sideways on a phone, where the browser lets the keyboard focus it:
            // its arrow keys scroll it, they do not step the player.
            <ol class="code" aria-label={format!("Pseudo-code of {}", source.function)} data-own-keys="">
                { for listing.lines.iter().zip(&marks).map(|(line, mark)| {
                    // A step that runs a long queue passes a line once per request: the
                    // first few places, then "…".
                    let mut order: Vec<String> = mark.order.iter().map(usize::to_string).collect();
                    if mark.more {
                        order.push("…".to_string());
                    }
                    let (is_run, is_current) = (mark.ran, mark.current);
                    let branch = is_run && line.text.contains("if (");
                    let class = classes!(
                        "code-line",
                        is_run.then_some("ran"),
                        is_current.then_some("current"),
                    );
                    html! {
                        <li class={class} aria-current={is_current.then_some("step")}>
                            <span class="gutter" aria-hidden="true">
                                { if is_current { "▶" } else if is_run { "✓" } else { "" } }
                            </span>
                            <span class="order" aria-hidden="true">
                                { order.join(",") }
                            </span>
                            <code class="text">{ no_break_arrows(line.text) }</code>
                            if branch { <span class="taken">{ "branch taken" }</span> }
                            if is_current {
                                <span class="sr-only">{ " (current line)" }</span>
                            } else if is_run {
                                <span class="sr-only">{ " (ran)" }</span>
                            }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
