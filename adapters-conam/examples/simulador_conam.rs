//! Runs the CONAM simulator on 127.0.0.1 until interrupted, for trying `guiche conam …` by hand.
//!
//! ```sh
//! cargo run --release -p guiche-conam --features simulator --example simulador_conam -- 8088
//! ```
//!
//! Registers client `USUARIO` / `SENHA` for entity `1` (with the manual's 2022 revenues).
//! Approve or reject packages with `curl -X POST http://127.0.0.1:8088/_simulador/aprovar/1`.

use guiche_conam::simulador::{ConfigSimulador, SimuladorConam};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let sim = SimuladorConam::iniciar(ConfigSimulador {
        porta: guiche_simulador::porta_do_argumento(),
        ..ConfigSimulador::default()
    })?;
    sim.cadastrar_cliente("USUARIO", "SENHA", &["1"]);
    println!("simulador CONAM em {}", sim.base());
    println!("export GUICHE_CONAM_URL={}", sim.base());
    println!("export GUICHE_CONAM_TOKEN_URL={}", sim.url_token());
    println!("export GUICHE_CONAM_CLIENT_ID=USUARIO GUICHE_CONAM_CLIENT_SECRET=SENHA");
    tokio::signal::ctrl_c().await?;
    sim.parar().await;
    Ok(())
}
