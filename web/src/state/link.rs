//! The state a link names, and the link to the state shown.
use super::{clip, knobs_with, AppState, Notice, Source, Theme};
use crate::catalog;
use crate::link::{Link, LinkedLesson, MAX_LINK, MAX_URL_STEPS};
use crate::url::UrlState;
use crate::view::num;
use ioasid_core::lesson::{Lesson, Step};
use std::rc::Rc;

impl AppState {
    /// The state a URL's query asks for (its values, and the keys it did not know):
    /// [`Self::from_link`].
    pub fn from_url(url: &UrlState, unknown: &[String], theme: Theme) -> AppState {
        AppState::from_link(&Link::from_url(url, unknown.to_vec()), theme)
    }

    /// The state a link asks for. Whatever in it is broken is listed in a notice, and the
    /// rest is used; a broken lesson falls back to the default lesson at its start.
    pub fn from_link(link: &Link, theme: Theme) -> AppState {
        let mut problems: Vec<String> = link
            .unknown
            .iter()
            .map(|k| format!("The link's `{k}` is not something this app reads; it was ignored."))
            .collect();
        problems.extend(link.notes.iter().cloned());
        let mut s = AppState::blank(theme);
        let picked: Option<(Source, Rc<Lesson>)> = match &link.lesson {
            Some(LinkedLesson::Run(run)) => match run.lesson() {
                Ok(l) => Some((Source::Imported("a link".into()), Rc::new(l))),
                Err(e) => {
                    problems.push(format!("The lesson in the link cannot be read: {e}"));
                    None
                }
            },
            Some(LinkedLesson::BuiltIn(id)) => match catalog::lesson(id) {
                Some(Ok(l)) => Some((Source::BuiltIn(id.clone()), l)),
                Some(Err(e)) => {
                    problems.push(format!("The lesson `{id}` cannot be read: {e}"));
                    None
                }
                None => {
                    problems.push(format!("There is no lesson called `{}`.", clip(id, 60)));
                    None
                }
            },
            None => None,
        };
        // A link naming no lesson asks for the default one; only a broken one fell back.
        let lesson_ok = picked.is_some() || link.lesson.is_none();
        let (source, lesson) = picked.unwrap_or_else(|| {
            let (id, l) = catalog::default_lesson();
            (Source::BuiltIn(id.unwrap_or_default().to_string()), l)
        });
        s.set_lesson(source, lesson);
        if !lesson_ok {
            problems.push(format!(
                "Showing \"{}\" from its start instead.",
                s.base.title
            ));
            if matches!(link.lesson, Some(LinkedLesson::Run(_))) {
                // The run cannot be shown, but the address still holds it: keep it there
                // (the hook does not rewrite it) until another lesson is opened.
                s.keep_address = Some(Rc::as_ptr(&s.base) as usize);
                problems.push(
                    "The page's address still holds the link as it was, so it is not lost.".into(),
                );
            }
        } else {
            if let Some(extra) = &link.extra {
                match extra.steps_after(&s.base) {
                    Ok(steps) => s.extra = Rc::new(steps),
                    Err(e) => problems.push(format!(
                        "The sandbox steps in the link cannot be read ({e}); they were left out."
                    )),
                }
            }
            match &link.profile {
                Some(Ok(p)) => s.profile = *p,
                Some(Err(bad)) => problems.push(format!(
                    "{}; using the lesson's profile {}.",
                    clip(&bad.why, 200),
                    s.profile
                )),
                None => {}
            }
            if let Some(k) = &link.knobs {
                let checked = k
                    .as_ref()
                    .map_err(|bad| bad.why.clone())
                    .and_then(|m| knobs_with(&s.base, s.profile, m).map(|_| m.clone()));
                match checked {
                    Ok(m) => s.overrides = m,
                    Err(e) => problems.push(format!(
                        "The knobs in the link were ignored: {}.",
                        clip(&e, 200)
                    )),
                }
            }
        }
        s.knobs =
            knobs_with(&s.base, s.profile, &s.overrides).unwrap_or_else(|_| s.profile.knobs());
        let total = s.base.steps.len() + s.extra.len();
        let mut pos = 0;
        if let (true, Some(step)) = (lesson_ok, &link.step) {
            match *step {
                Ok(n) if n <= total => pos = n,
                Ok(n) => {
                    pos = total;
                    problems.push(format!(
                        "The link asks for step {}, but this run has {} steps; showing the last.",
                        num(n as u64),
                        num(total as u64)
                    ));
                }
                Err(ref bad) => problems.push(format!(
                    "The link's step `{}` is not a step number; showing the start.",
                    clip(&bad.text, 40)
                )),
            }
        }
        s.start_run(pos);
        if !problems.is_empty() {
            s.notice = Some(Notice {
                error: true,
                title: "This link could not be followed exactly.".into(),
                details: problems,
            });
        }
        s
    }

    /// The state `link` names, opened from this one (the browser's Back or Forward, or a
    /// link unpacked after start-up): the speed, the session's imports and the run
    /// generations carry over.
    pub fn reopen(&self, link: &Link) -> AppState {
        let mut fresh = AppState::from_link(link, self.theme);
        fresh.speed = self.speed;
        fresh.imports = Rc::clone(&self.imports);
        // Run generations go on from the old state's, so that a late result of its run
        // is not taken for the new one's.
        fresh.next_gen += self.next_gen;
        if let Some(r) = &mut fresh.request {
            r.gen += self.next_gen;
        }
        fresh
    }

    /// Says that the run shown is too long for a link (`chars`: the link's length, when
    /// known), that the address was left as it was, and that Export saves the run; added
    /// to a notice already shown.
    pub fn link_too_long(&mut self, chars: Option<usize>) {
        let size = chars.map_or_else(
            || format!("it has more than {} steps", num(MAX_URL_STEPS as u64)),
            |n| {
                format!(
                    "its link would be {} characters, more than {}",
                    num(n as u64),
                    num(MAX_LINK as u64)
                )
            },
        );
        let text = format!(
            "This run is too long for a link ({size}), so the page's address still names the run before it. \
             To share this one, save it with \"Export lesson\" and send the file."
        );
        match &mut self.notice {
            Some(n) if !n.details.contains(&text) => n.details.push(text),
            Some(_) => {}
            None => {
                self.notice = Some(Notice {
                    error: false,
                    title: text,
                    details: Vec::new(),
                })
            }
        }
    }

    /// The URL's values for this state: [`Self::to_link`].
    pub fn to_url(&self) -> UrlState {
        self.to_link().to_url()
    }

    /// The link to this exact step (none when the run is too big for a link).
    pub fn to_link(&self) -> Link {
        match link_to_lesson(&self.source, &self.base, &self.extra) {
            Some(mut link) => {
                self.fill_link_view(&mut link);
                link
            }
            None => Link::default(),
        }
    }

    /// Adds the profile, knobs and step shown to a link to the lesson.
    pub fn fill_link_view(&self, link: &mut Link) {
        link.profile = (self.profile != self.base.profile).then_some(Ok(self.profile));
        link.knobs = (!self.overrides.is_empty()).then(|| Ok(self.overrides.clone()));
        link.step = (self.pos > 0).then_some(Ok(self.pos));
    }
}

/// The lesson part of a link: a built-in lesson's id or the whole lesson, and the
/// sandbox's steps. `None` when the run is too big for a link.
pub fn link_to_lesson(source: &Source, base: &Lesson, extra: &[Step]) -> Option<Link> {
    let builtin = match source {
        Source::BuiltIn(id) => Some(id.as_str()),
        Source::Imported(_) => None,
    };
    Link::to_lesson(builtin, base, extra)
}
