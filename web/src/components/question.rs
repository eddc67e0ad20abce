//! Predict, then reveal: a step's question, its choices as buttons, and after the answer
//! whether it was right and why.
use ioasid_core::lesson::Question as Ask;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct QuestionProps {
    /// The step's index.
    pub step: usize,
    pub question: Ask,
    /// `None`: not answered yet; `Some(None)`: skipped; `Some(Some(i))`: choice i.
    pub answer: Option<Option<usize>>,
    pub on_answer: Callback<Option<usize>>,
    /// Set when the question is about another profile than this run's and the run went
    /// otherwise: a note saying so, shown instead of grading the answer.
    #[prop_or_default]
    pub written_for: Option<AttrValue>,
}

/// Scrolls `node` up until its bottom edge is in the window, if it lies below it.
fn bring_into_view(node: &NodeRef) {
    let Some(el) = node.cast::<web_sys::Element>() else {
        return;
    };
    let height = gloo::utils::window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(f64::MAX);
    let rect = el.get_bounding_client_rect();
    if rect.bottom() > height && rect.top() > 0.0 {
        el.scroll_into_view_with_bool(false);
    }
}

#[component]
pub fn Question(props: &QuestionProps) -> Html {
    let q = &props.question;
    let prompt_id = format!("question-{}", props.step);
    let answered = props.answer.is_some();
    let choose = |c: Option<usize>| {
        let cb = props.on_answer.clone();
        Callback::from(move |_: MouseEvent| cb.emit(c))
    };
    // A question that opens below the window's edge (on a phone the panels above it
    // fill the screen) is scrolled up into view: its choices are what to do next.
    let node = use_node_ref();
    use_effect_with((props.step, answered), {
        let node = node.clone();
        move |&(_, answered)| {
            if !answered {
                bring_into_view(&node);
            }
        }
    });
    html! {
        <div ref={node} class={classes!("question", (!answered).then_some("question-open"))} role="group" aria-labelledby={prompt_id.clone()}>
            <p class="question-prompt" id={prompt_id}>
                <span class="question-badge" aria-hidden="true">{ "?" }</span>
                { if answered { "You predicted: " } else { "Predict first: " } }
                { &q.prompt }
            </p>
            <div class="choices">
                { for q.choices.iter().enumerate().map(|(i, c)| {
                    let picked = props.answer == Some(Some(i));
                    let right = i == q.answer;
                    let class = classes!(
                        "choice",
                        (answered && right).then_some("choice-right"),
                        (picked && !right).then_some("choice-wrong"),
                    );
                    let mark = match (answered, right, picked) {
                        (true, true, _) if props.written_for.is_some() => "◇ ",
                        (true, true, _) => "✓ ",
                        (true, false, true) => "✗ ",
                        _ => "",
                    };
                    html! {
                        <button type="button" class={class} disabled={answered}
                            data-key={(!answered && i < 9).then(|| (i + 1).to_string())}
                            aria-keyshortcuts={(!answered && i < 9).then(|| (i + 1).to_string())}
                            aria-pressed={if answered { Some(picked.to_string()) } else { None }}
                            onclick={choose(Some(i))}>
                            <span aria-hidden="true">{ mark }</span>{ c }
                            if answered && right {
                                <span class="sr-only">{ if props.written_for.is_some() { " (the lesson's answer)" } else { " (the right answer)" } }</span>
                            }
                        </button>
                    }
                }) }
                if !answered {
                    <button type="button" class="link-button" onclick={choose(None)}>
                        { "Skip: just show me" }
                    </button>
                }
            </div>
            if !answered && q.choices.len() <= 9 {
                <p class="question-keys">{ format!("Or press 1 to {} on the keyboard.", q.choices.len()) }</p>
            }
            if let Some(a) = props.answer {
                <div class="question-feedback" role="status">
                    if let Some(note) = &props.written_for {
                        <p class="callout">{ note }</p>
                    }
                    <p>
                        <strong>{ match a {
                            _ if props.written_for.is_some() => format!("The lesson's answer is \"{}\". ", q.choices.get(q.answer).cloned().unwrap_or_default()),
                            Some(i) if i == q.answer => "Right. ".to_string(),
                            Some(_) => format!("Not quite: the answer is \"{}\". ", q.choices.get(q.answer).cloned().unwrap_or_default()),
                            None => format!("The answer is \"{}\". ", q.choices.get(q.answer).cloned().unwrap_or_default()),
                        } }</strong>
                        { &q.explain }
                    </p>
                </div>
            }
        </div>
    }
}
