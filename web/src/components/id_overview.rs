//! The overview of the whole 20-bit PASID space on a canvas: 256 blocks of 4,096 IDs
//! (8 rows of 32), each shaded by how full it is. A text summary stands beside it for
//! everyone who does not read the picture; clicking a block zooms into it.
use crate::hooks::use_system_dark;
use crate::state::Theme;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

/// IDs per overview block.
pub const BLOCK: u32 = 4096;
/// Blocks per row and rows.
pub const COLS: u32 = 32;
pub const ROWS: u32 = 8;
const CELL_PX: u32 = 12;
const CELL: f64 = CELL_PX as f64;
/// The least opacity of a block's fill (one ID in use): `--accent` at this strength over
/// `--cell-empty` is at least 3:1 against an empty block in both themes (light 3.4:1,
/// dark 4.2:1); a fuller block is stronger, up to solid (6:1 light, 6.8:1 dark).
const MIN_FILL: f64 = 0.72;

#[derive(Properties, PartialEq)]
pub struct IdOverviewProps {
    /// IDs in use per block, `COLS * ROWS` of them.
    pub counts: Rc<Vec<u32>>,
    /// The IDs the zoomed view shows, outlined.
    pub window: (u32, u32),
    /// Blocks holding an ID that changed at this step.
    pub changed: Rc<Vec<u32>>,
    pub theme: Theme,
    /// Called with the first ID of the block clicked.
    pub on_pick: Callback<u32>,
    pub label: AttrValue,
}

fn css_var(name: &str) -> String {
    let window = gloo::utils::window();
    gloo::utils::document()
        .document_element()
        .and_then(|root| window.get_computed_style(&root).ok().flatten())
        .and_then(|s| s.get_property_value(name).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "#888".into())
}

/// The theme's colours for the canvas (read from the CSS custom properties).
#[derive(Clone, Debug)]
struct Palette {
    empty: String,
    used: String,
    edge: String,
    changed: String,
    fg: String,
}

impl Palette {
    fn read() -> Palette {
        Palette {
            empty: css_var("--cell-empty"),
            used: css_var("--accent"),
            edge: css_var("--border"),
            changed: css_var("--changed"),
            fg: css_var("--fg"),
        }
    }
}

fn draw(canvas: &HtmlCanvasElement, p: &IdOverviewProps, colours: &Palette) -> Option<()> {
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let dpr = gloo::utils::window().device_pixel_ratio().max(1.0);
    let (w, h) = (COLS as f64 * CELL, ROWS as f64 * CELL);
    canvas.set_width((w * dpr) as u32);
    canvas.set_height((h * dpr) as u32);
    let _ = ctx.scale(dpr, dpr);
    let Palette {
        empty,
        used,
        edge,
        changed,
        fg,
    } = colours;
    ctx.set_fill_style_str(empty);
    ctx.fill_rect(0.0, 0.0, w, h);
    for (i, &n) in p.counts.iter().enumerate() {
        let (col, row) = ((i as u32 % COLS) as f64, (i as u32 / COLS) as f64);
        let (x, y) = (col * CELL, row * CELL);
        if n > 0 {
            // Any ID at all shows clearly (at least 3:1 against an empty block); a full
            // block is solid.
            let alpha = MIN_FILL + (1.0 - MIN_FILL) * (f64::from(n) / f64::from(BLOCK)).sqrt();
            ctx.set_global_alpha(alpha.min(1.0));
            ctx.set_fill_style_str(used);
            ctx.fill_rect(x + 1.0, y + 1.0, CELL - 2.0, CELL - 2.0);
            ctx.set_global_alpha(1.0);
        }
        ctx.set_stroke_style_str(edge);
        ctx.set_line_width(0.5);
        ctx.stroke_rect(x + 0.5, y + 0.5, CELL - 1.0, CELL - 1.0);
    }
    ctx.set_line_width(2.0);
    ctx.set_stroke_style_str(changed);
    for &b in p.changed.iter() {
        let (x, y) = (f64::from(b % COLS) * CELL, f64::from(b / COLS) * CELL);
        ctx.stroke_rect(x + 1.0, y + 1.0, CELL - 2.0, CELL - 2.0);
    }
    // The zoom window: the blocks it spans.
    let (lo, hi) = p.window;
    let (b0, b1) = (lo / BLOCK, hi.min(COLS * ROWS * BLOCK - 1) / BLOCK);
    ctx.set_stroke_style_str(fg);
    ctx.set_line_width(2.0);
    for b in b0..=b1.min(COLS * ROWS - 1) {
        let (x, y) = (f64::from(b % COLS) * CELL, f64::from(b / COLS) * CELL);
        ctx.stroke_rect(x + 2.0, y + 2.0, CELL - 4.0, CELL - 4.0);
    }
    Some(())
}

#[component]
pub fn IdOverview(props: &IdOverviewProps) -> Html {
    let canvas = use_node_ref();
    // Under "System theme" the colours change with the OS setting, which no prop carries.
    let system_dark = use_system_dark();
    {
        let canvas = canvas.clone();
        let colours_key = (props.theme, system_dark);
        let key = (
            props.counts.clone(),
            props.window,
            props.changed.clone(),
            colours_key,
        );
        let snapshot = IdOverviewProps {
            counts: props.counts.clone(),
            window: props.window,
            changed: props.changed.clone(),
            theme: props.theme,
            on_pick: props.on_pick.clone(),
            label: props.label.clone(),
        };
        // Reading the colours makes the browser compute styles: once per theme only.
        let palette = use_mut_ref(|| None::<((Theme, bool), Palette)>);
        use_effect_with(key, move |_| {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                let mut cached = palette.borrow_mut();
                if cached.as_ref().is_none_or(|(k, _)| *k != colours_key) {
                    *cached = Some((colours_key, Palette::read()));
                }
                if let Some((_, colours)) = cached.as_ref() {
                    draw(&c, &snapshot, colours);
                }
            }
        });
    }
    let onclick = {
        let canvas = canvas.clone();
        let cb = props.on_pick.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(c) = canvas.cast::<HtmlCanvasElement>() else {
                return;
            };
            let (w, h) = (f64::from(c.client_width()), f64::from(c.client_height()));
            if w <= 0.0 || h <= 0.0 {
                return;
            }
            let col = ((f64::from(e.offset_x()) / w) * f64::from(COLS)).floor() as u32;
            let row = ((f64::from(e.offset_y()) / h) * f64::from(ROWS)).floor() as u32;
            let block = row.min(ROWS - 1) * COLS + col.min(COLS - 1);
            cb.emit(block * BLOCK);
        })
    };
    html! {
        <canvas ref={canvas} class="overview" role="img" aria-label={props.label.clone()}
            width={(COLS * CELL_PX).to_string()} height={(ROWS * CELL_PX).to_string()}
            title="The whole PASID space: each square is 4,096 IDs. Click one to zoom in."
            {onclick} />
    }
}
