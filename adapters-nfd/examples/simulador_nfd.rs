//! Runs the NFD simulator on 127.0.0.1 until interrupted, for trying `guiche nfd send` by hand
//! and for the benchmarks.
//!
//! ```sh
//! cargo run --release -p guiche-nfd --features simulator --example simulador_nfd -- 8089
//! ```
//!
//! Registers the manual's provider (`21118045000135`, password `fiscalb`) for the three shipped
//! municipalities, plus `GUICHE_SIM_PRESTADORES` (comma-separated CNPJs, same password).

use guiche_nfd::simulador::{ConfigSimulador, SimuladorNfd};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let sim = SimuladorNfd::iniciar(ConfigSimulador {
        porta: guiche_simulador::porta_do_argumento(),
        ..ConfigSimulador::default()
    })?;
    let extras = std::env::var("GUICHE_SIM_PRESTADORES").unwrap_or_default();
    for cnpj in std::iter::once("21118045000135").chain(extras.split(',').filter(|c| !c.is_empty()))
    {
        sim.cadastrar_prestador(cnpj.trim(), "fiscalb", &["3150", "0044", "3039"]);
    }
    println!("simulador NFD em {}", sim.url());
    println!("export GUICHE_NFD_URL={}", sim.url());
    println!("export GUICHE_NFD_SENHA=fiscalb");
    tokio::signal::ctrl_c().await?;
    sim.parar().await;
    Ok(())
}
