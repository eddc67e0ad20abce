//! Predict, then reveal: a step's question, and after the answer whether it was right
//! and why. Multiple choice offers its choices as buttons; a `pick` question is
//! answered on the ID grid (or by typing the ID here); a `type` question by typing a
//! value. Core grades the answer (`ioasid_core::quiz`); this only renders.
use ioasid_core::lesson::{Question as Ask, Typed};
use ioasid_core::quiz::{read_reply, Graded, Reply};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct QuestionProps {
    /// The step's index.
    pub step: usize,
    pub question: Ask,
    /// `None`: not answered yet.
    pub answer: Option<Reply>,
    pub on_answer: Callback<Reply>,
    /// The answer graded against this run (for a `pick` or `type` question).
    #[prop_or_default]
    pub graded: Option<Graded>,
    /// Set when the question is about another profile than this run's and the run went
    /// otherwise: a note saying so, shown instead of grading the answer.
    #[prop_or_default]
    pub written_for: Option<AttrValue>,
}

/// Scrolls `node` into the window if it lies below it (its bottom edge in view) or above
/// it (its top edge in view).
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
    if rect.top() < 0.0 {
        // Above the window (the learner stepped from further down): its top edge in view.
        el.scroll_into_view_with_bool(true);
    } else if rect.bottom() > height {
        el.scroll_into_view_with_bool(false);
    }
}

#[component]
pub fn Question(props: &QuestionProps) -> Html {
    let q = &props.question;
    let prompt_id = format!("question-{}", props.step);
    let answered = props.answer.is_some();
    let choose = |c: Reply| {
        let cb = props.on_answer.clone();
        Callback::from(move |_: MouseEvent| cb.emit(c.clone()))
    };
    // A question that opens below the window's edge (on a phone the panels above it
    // fill the screen) is scrolled up into view: its choices are what to do next.
    let node = use_node_ref();
    // The field is read when the answer is sent, not kept in state as it is typed.
    let field = use_node_ref();
    // Where the keyboard goes: a question to type opens with its field focused; once
    // answered (its buttons disabled, which would drop focus to the page), the
    // verdict takes focus, so a keyboard or screen-reader user stays in place.
    let asked_here = use_mut_ref(|| None::<usize>);
    use_effect_with((props.step, answered), {
        let (node, field, typed) = (node.clone(), field.clone(), q.typed.is_some());
        move |&(step, answered)| {
            if !answered {
                bring_into_view(&node);
                *asked_here.borrow_mut() = Some(step);
                if let Some(input) = field.cast::<web_sys::HtmlElement>().filter(|_| typed) {
                    let _ = input.focus();
                }
            } else if asked_here.borrow_mut().take() == Some(step) {
                let verdict = node
                    .cast::<web_sys::Element>()
                    .and_then(|n| n.query_selector(".question-feedback").ok().flatten())
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(v) = verdict {
                    let _ = v.focus();
                }
            }
        }
    });
    let unreadable = use_state(|| None::<String>);
    let skip = html! {
        <button type="button" class="link-button" onclick={choose(Reply::Skipped)}>
            { "Skip: just show me" }
        </button>
    };
    let body = if q.computed() {
        let input_id = format!("answer-{}", props.step);
        let error_id = format!("answer-error-{}", props.step);
        let (label, hint) = match (q.pick, q.typed) {
            (Some(_), _) => ("Or type the ID", "Pick the ID on the ID grid: click its cell, or Tab to the grid, move with the arrow keys and press Enter. Or type it here (decimal or 0x hex)."),
            (_, Some(Typed::Errno)) => ("The errno", "Type the errno's name (such as ENOSPC), or its number, and press Enter."),
            _ => ("The value", "Type the number (decimal, or hex such as 0x1f) and press Enter."),
        };
        let onsubmit = {
            let (field, unreadable, q) = (field.clone(), unreadable.clone(), q.clone());
            let cb = props.on_answer.clone();
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                let text = field
                    .cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default();
                match read_reply(&q, &text) {
                    Ok(r) => {
                        unreadable.set(None);
                        cb.emit(r);
                    }
                    Err(msg) => unreadable.set(Some(msg)),
                }
            })
        };
        html! {
            if !answered {
                <p class="question-keys">{ hint }</p>
                <form class="answer-form" {onsubmit}>
                    <label for={input_id.clone()}>{ label }</label>
                    <input type="text" id={input_id} class="answer-input" autocomplete="off" spellcheck="false"
                        ref={field}
                        aria-invalid={unreadable.is_some().then_some("true")}
                        aria-describedby={error_id.clone()} />
                    <button type="submit" class="small">{ "Submit" }</button>
                    { skip }
                </form>
                <p class={classes!(unreadable.is_some().then_some("field-error"))} id={error_id} aria-live="assertive">
                    { (*unreadable).clone().unwrap_or_default() }
                </p>
            } else if let Some(Reply::Id(n)) = &props.answer {
                <p class="your-answer">{ format!("Your answer: {n}") }</p>
            } else if let Some(Reply::Text(t)) = &props.answer {
                <p class="your-answer">{ format!("Your answer: {t}") }</p>
            }
        }
    } else {
        let right_i = q.answer.unwrap_or(usize::MAX);
        let right_text = q.choices.get(right_i).cloned().unwrap_or_default();
        html! {
            <>
            <div class="choices">
                { for q.choices.iter().enumerate().map(|(i, c)| {
                    let picked = props.answer == Some(Reply::Choice(i));
                    let right = i == right_i;
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
                            onclick={choose(Reply::Choice(i))}>
                            <span aria-hidden="true">{ mark }</span>{ c }
                            if answered && right {
                                <span class="sr-only">{ if props.written_for.is_some() { " (the lesson's answer)" } else { " (the right answer)" } }</span>
                            }
                        </button>
                    }
                }) }
                if !answered { { skip } }
            </div>
            if !answered && q.choices.len() <= 9 {
                <p class="question-keys">{ format!("Or press 1 to {} on the keyboard.", q.choices.len()) }</p>
            }
            if let Some(a) = &props.answer {
                <div class="question-feedback" role="status" tabindex="-1">
                    if let Some(note) = &props.written_for {
                        <p class="callout">{ note }</p>
                    }
                    <p>
                        <strong>{ match a {
                            _ if props.written_for.is_some() => format!("The lesson's answer is \"{right_text}\". "),
                            Reply::Choice(i) if *i == right_i => "Right. ".to_string(),
                            Reply::Skipped => format!("The answer is \"{right_text}\". "),
                            _ => format!("Not quite: the answer is \"{right_text}\". "),
                        } }</strong>
                        { &q.explain }
                    </p>
                </div>
            }
            </>
        }
    };
    html! {
        <div ref={node} class={classes!("question", (!answered).then_some("question-open"))} role="group" aria-labelledby={prompt_id.clone()}>
            <p class="question-prompt" id={prompt_id}>
                <span class="question-badge" aria-hidden="true">{ "?" }</span>
                { if answered { "You predicted: " } else { "Predict first: " } }
                { &q.prompt }
            </p>
            { body }
            if q.computed() {
                // A live region from the start, so the verdict is read when it appears.
                <div class="question-feedback-live" role="status">
                    if let (true, Some(g)) = (answered, &props.graded) {
                        <div class="question-feedback" tabindex="-1">
                            <p><strong>{ g.words() }</strong>{ " " }{ &q.explain }</p>
                        </div>
                    }
                </div>
            }
        </div>
    }
}
