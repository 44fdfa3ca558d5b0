//! # guiche-store
//!
//! The ledger: an embedded SQLite database (file from `GUICHE_DB`) that remembers every nota
//! number reserved and the exact payload sent, so that a number is never skipped or reused and
//! a nota is never issued twice, through timeouts, resets and crashes. [`Livro`] implements
//! the port [`guiche_ports::livro::LivroNotas`], and [`guiche_ports::contabil::LivroPacotes`]
//! for the CONAM packages sent (see [Packages](#packages)); every method is one transaction.
//!
//! ```
//! use guiche_domain::{Data, Documento};
//! use guiche_ports::livro::{Estado, LivroNotas, Pedido, Sequencia};
//! use guiche_store::Livro;
//!
//! let livro = Livro::em_memoria()?;
//! let sequencia = Sequencia {
//!     prestador: Documento::parse("11.222.333/0001-81")?,
//!     prefeitura: "0044".to_owned(), // Piracaia/SP: leading zeros are part of the code
//! };
//! let pedido = Pedido {
//!     sequencia: &sequencia,
//!     numero: None, // the next one
//!     data: Data::new(2026, 7, 20)?,
//!     conteudo: "sha256-of-the-nota-without-its-number",
//! };
//! // The number and the exact document built for it are recorded together.
//! let nota = livro.reservar(pedido, &|n| format!("<NOTA><NUMERO_NOTA>{n}</NUMERO_NOTA></NOTA>"))?;
//! assert_eq!(nota.numero, 1);
//!
//! // Before the request leaves, then with the answer.
//! livro.registrar(nota.id, &Estado::Enviada)?;
//! livro.registrar(nota.id, &Estado::Aceita { codigo: Some("ABC123".to_owned()) })?;
//!
//! let ultima = livro.ultima(&sequencia)?.expect("one nota");
//! assert_eq!(ultima.documento, "<NOTA><NUMERO_NOTA>1</NUMERO_NOTA></NOTA>");
//! assert!(livro.pendentes(&sequencia)?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Numbering
//!
//! One sequence per provider and municipality ([`Sequencia`](guiche_ports::livro::Sequencia);
//! `"0044"` and `"44"` are different municipalities). The next number is the highest one held
//! by a live (not refused) nota plus one, and a nota asking for a number must ask for that one.
//! A sequence with no live nota starts at the number asked for (the service's sequence may
//! have begun outside the guichê), or at 1. A refused nota gives its number back; every other
//! state keeps it. While a nota of the sequence is reserved, sent or unknown, no other is
//! reserved: it must be settled first, by sending the same recorded document again.
//!
//! ## Durability
//!
//! The file runs in WAL mode with `synchronous=FULL`: every commit is on disk before the call
//! returns, so neither a crash of the process (panic, `kill -9`, out of memory) nor a power
//! loss or OS crash loses a committed reservation or state change, and a transaction cut in the
//! middle leaves no trace. This matters for one commit above all: the nota is marked *sent*
//! before its request leaves, so after any failure the ledger knows the request may have been
//! received, and the next send settles it with the service's duplicate reply instead of
//! treating that reply as a number used outside guichê. The cost is an fsync per reservation
//! and per state change (see BENCHMARKS.md). A settled nota (accepted, refused, or its number
//! found used outside guichê) never changes state again.
//!
//! Several processes may share one file: writes take SQLite's write lock first
//! (`BEGIN IMMEDIATE`) and wait up to 5 s (`busy_timeout`) for it, so reservations of one
//! sequence are serialised across processes. The file must be on a local disk (WAL needs
//! shared memory between the processes; network folders are refused on open).
//!
//! ## Schema
//!
//! Versioned migrations in `migrations/NNNN_*.sql`, embedded in the binary, applied in order in
//! one transaction and tracked by `PRAGMA user_version` ([`VERSAO_ESQUEMA`]). A file written by
//! a newer guichê is refused, naming both versions, rather than misread.
//!
//! `notas` holds one row per reservation. A partial unique index on
//! `(prestador, prefeitura, numero) WHERE estado <> 'recusada'` makes it impossible for two
//! live rows to hold one number; a refused row stays as history and its number is reserved
//! again by the next nota.
//!
//! `pacotes` holds one row per CONAM `idPacote` (its primary key; see below).
//!
//! ## Packages
//!
//! Every CONAM movement package is recorded, with the exact JSON sent, *before* its request
//! leaves ([`registrar_envio`](guiche_ports::contabil::LivroPacotes::registrar_envio)), and its
//! situation once known ([`atualizar`](guiche_ports::contabil::LivroPacotes::atualizar)). Until
//! then the record's situation is `None`: the send is under way or its outcome unknown, and
//! the same package may be sent again. Sending it again replaces the document (and entity),
//! clears the situation and counts one more send (`envios`); so does sending a package that
//! waits for evaluation (`aguardando`), which CONAM replaces too. An approved or rejected
//! package is never sent again and never changes situation: both are refused with
//! [`ErroLivro::JaResolvida`](guiche_ports::livro::ErroLivro::JaResolvida) (recording the very
//! same evaluation twice is accepted and changes nothing).
//!
//! `idPacote` is unique per city, not across CONAM installations: one ledger file (one
//! `GUICHE_DB`, one installation) serves one CONAM base URL. Ids from 1 to `i64::MAX` are
//! stored; any other is refused by name.
//!
//! ```
//! use guiche_ports::contabil::{LivroPacotes, SituacaoPacote};
//! use guiche_store::Livro;
//!
//! let livro = Livro::em_memoria()?;
//! livro.registrar_envio(7, "1", r#"{"idPacote":7}"#)?; // before the request leaves
//! assert_eq!(livro.pacote(7)?.expect("recorded").situacao, None);
//! livro.atualizar(7, &SituacaoPacote::Aprovado)?;
//! assert!(livro.registrar_envio(7, "1", r#"{"idPacote":7}"#).is_err()); // never again
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bilhetagem;
mod esquema;
mod falha;
mod linha;
mod livro;
mod notas;
mod pacotes;

pub use esquema::VERSAO_ESQUEMA;
pub use livro::Livro;
