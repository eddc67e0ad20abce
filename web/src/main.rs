/// Fetches the built-in lesson the page's address names (or the first one), then draws
/// the app; the address's other parts are read by the app itself. When the lesson named
/// cannot be fetched, the first one is fetched too, to be shown instead.
fn main() {
    use ioasid_web::catalog;
    let link = ioasid_web::hooks::use_url_state::address_link();
    let needed = catalog::needed_by(&link);
    catalog::fetch(needed.clone(), move || {
        let failed = needed
            .iter()
            .any(|id| catalog::lesson(id).is_some_and(|l| l.is_err()));
        let fallback = catalog::default_id().filter(|_| failed).into_iter();
        catalog::fetch(fallback.collect(), || {
            yew::Renderer::<ioasid_web::App>::new().render();
        });
    });
}
