//! What the adapters' benchmarks against their simulators share: their numeric arguments and
//! the process's peak memory.

/// The `i`-th argument that is not a flag (`-…`), read as a number; `padrao` when there is
/// none or it is not one (`cargo bench … -- 1000 8`).
pub fn argumento(i: usize, padrao: usize) -> usize {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(padrao)
}

/// The process's peak resident memory in MiB (`VmHWM` of `/proc/self/status`); 0 where there
/// is no such file.
pub fn memoria_pico_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    kib / 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_memory_is_read_where_proc_exists() {
        let mib = memoria_pico_mib();
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(mib > 0);
        }
        assert_eq!(argumento(99, 7), 7);
    }
}
