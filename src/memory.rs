//! The memory a worker process holds: its resident size and that of its
//! descendants (the `z3 -in` children of `--backend z3-process`).
//!
//! libz3 allocates outside Rust's allocator, so resident size, read from
//! `/proc`, is what the memory budget (`--memory`) is compared with.

/// The size of a page, in bytes.
fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(page).unwrap_or(4096)
}

/// The resident size of process `pid` in bytes, if it is readable.
fn resident(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page_size())
}

/// The children of process `pid` (as every one of its threads lists them).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            out.extend(text.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
        }
    }
    out
}

/// The resident size of process `pid` and its descendants, in bytes;
/// `None` when `pid`'s own size cannot be read (it has ended, or this is
/// not Linux).
pub fn tree_resident(pid: u32) -> Option<u64> {
    let mut total = resident(pid)?;
    let mut pending = children(pid);
    while let Some(child) = pending.pop() {
        total += resident(child).unwrap_or(0);
        pending.extend(children(child));
    }
    Some(total)
}

/// `bytes` in GB (in MB below 1 GB), for reports.
pub fn gb(bytes: u64) -> String {
    if bytes < 1_000_000_000 { format!("{:.0} MB", bytes as f64 / 1e6) } else { format!("{:.2} GB", bytes as f64 / 1e9) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_tree_is_measured_with_its_children() {
        // A shell waiting for its `sleep`: both sleep, so their sizes hold still.
        let mut shell = std::process::Command::new("sh").args(["-c", "sleep 5 & wait"]).spawn().expect("sh runs");
        let sleeper = (0..400).find_map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(5));
            children(shell.id()).first().copied()
        });
        let (own, tree) = (resident(shell.id()), tree_resident(shell.id()));
        let _ = shell.kill();
        let _ = shell.wait();
        let sleeper = sleeper.expect("the shell's child is listed");
        // SAFETY: kill has no memory preconditions.
        unsafe { libc::kill(sleeper as libc::pid_t, libc::SIGKILL) };
        let (own, tree) = (own.expect("the shell's size is readable"), tree.expect("the tree's size is readable"));
        assert!(tree > own, "the child's pages count: {tree} against {own} alone (child {sleeper})");
        assert_eq!(tree_resident(u32::MAX), None, "no such process");
    }
}
