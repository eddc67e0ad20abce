//! One ID up close: its owner, set, private data, references, state, guest PASID, when it
//! was born, and who is looking at it.
use crate::view::{data_text, num, set_style, WorldRef};
use ioasid_core::id::{data_label, PASID_RESERVED};
use ioasid_core::narrate::{id_state_words, shows_id_state};
use ioasid_core::space::Entry;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct IdDetailProps {
    pub world: WorldRef,
    pub id: u32,
    /// The entry in the storage shown, if the ID is in use there.
    pub entry: Option<Entry>,
    /// The storage's name.
    pub store: AttrValue,
    /// The ID changed at this step.
    pub changed: bool,
    /// The storage is a custom allocator's record: its allocator, not first fit, picks.
    #[prop_or_default]
    pub custom: bool,
}

#[component]
pub fn IdDetail(props: &IdDetailProps) -> Html {
    let w = &props.world;
    let id = props.id;
    let readers: Vec<String> = w
        .readers
        .iter()
        .filter(|(_, r)| r.id == id)
        .map(|(n, r)| format!("{n} (saw {})", data_label(r.saw.as_ref())))
        .collect();
    let orphan = w
        .orphans
        .iter()
        .find(|(o, _)| *o == id)
        .map(|(_, a)| a.to_string());
    let pending = w.pasid_pending(id);
    let host_owner = w
        .groups
        .first()
        .and_then(|g| g.host.as_ref())
        .and_then(|h| w.hosts.get(h).map(|host| (h, host)))
        .and_then(|(h, host)| host.ids.get(id).map(|g| format!("host {h} gave it to {g}")));
    html! {
        <div class={classes!("id-detail", props.changed.then_some("changed"))} aria-live="off">
            <h3>
                { format!("ID {} ", num(id)) }<span class="muted">{ format!("(0x{id:x})") }</span>
                if props.changed { <span class="changed-badge">{ "changed at this step" }</span> }
            </h3>
            { match &props.entry {
                // v6.6: a PASID is just allocated; what it means is per device.
                Some(e) if w.knobs.global_pasid => {
                    let attached: Vec<String> = w
                        .attachments
                        .iter()
                        .filter(|((_, p), _)| *p == id)
                        .map(|((dev, _), d)| format!("{dev}: {}", d.label()))
                        .collect();
                    html! {
                        <dl class="facts">
                            <dt>{ "Allocator" }</dt><dd>{ &*props.store }</dd>
                            <dt>{ "Attached" }</dt>
                            <dd>{ if attached.is_empty() { "to no device yet".to_string() } else { attached.join("; ") } }</dd>
                            <dt>{ "Allocated at" }</dt><dd>{ format!("step {}", num(u64::from(e.born) + 1)) }</dd>
                        </dl>
                    }
                }
                Some(e) => html! {
                    <dl class="facts">
                        <dt>{ "Allocator" }</dt><dd>{ &*props.store }</dd>
                        <dt>{ "Set" }</dt>
                        <dd>
                            <span class={classes!("swatch", format!("set-{}", set_style(e.set.as_deref())))} aria-hidden="true"></span>
                            { e.set.as_ref().map_or("none (only wildcard lookups find it)".to_string(), |s| s.to_string()) }
                        </dd>
                        <dt>{ "Private data" }</dt>
                        <dd>{ data_text(Some(e)) }</dd>
                        <dt>{ "References" }</dt><dd>{ e.refs }</dd>
                        // Lifecycle states came with the extension series; before it an
                        // ID is simply allocated (its data says whether it is bound).
                        if shows_id_state(w, e.state) {
                            <dt>{ "State" }</dt><dd>{ e.state.name() }{ id_state_words(e.state) }</dd>
                        }
                        if let Some(spid) = e.spid { <dt>{ "Guest PASID" }</dt><dd>{ spid }</dd> }
                        <dt>{ "Allocated at" }</dt><dd>{ format!("step {}", num(u64::from(e.born) + 1)) }</dd>
                        if let Some(h) = &host_owner { <dt>{ "Host" }</dt><dd>{ h }</dd> }
                        if !readers.is_empty() { <dt>{ "Readers" }</dt><dd>{ readers.join(", ") }</dd> }
                        if pending { <dt>{ "Page requests" }</dt><dd>{ "pending for this PASID" }</dd> }
                    </dl>
                },
                None => html! {
                    <p>
                        if props.custom {
                            { format!("Not in the {} storage: whether {} is handed out again is the custom allocator's choice (a vcmd host may still hold it).", props.store, num(id)) }
                        } else {
                            { format!("Free in the {} storage: an alloc whose range includes {} may return it.", props.store, num(id)) }
                        }
                        if id == PASID_RESERVED {
                            { " PASID 0 is reserved all the same: on VT-d it tags DMA without a PASID (RID_PASID), so callers that follow the rules allocate from 1." }
                        }
                        if let Some(a) = &orphan {
                            <strong>{ format!(" Orphaned: the custom allocator group that gave it out went when its last member, {a}, was unregistered; its owner still uses it, but the active storage does not know it.") }</strong>
                        }
                        if pending { { " Page requests for it are still pending." } }
                    </p>
                },
            } }
        </div>
    }
}
