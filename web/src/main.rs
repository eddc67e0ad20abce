fn main() {
    yew::Renderer::<ioasid_web::App>::new().render();
}
