//! `slotwise nodes`: the slot map as a table.

use slotwise::slot::SLOT_COUNT;
use slotwise::topology::{Health, Node, Topology};

/// Inclusive ranges sorted and with adjacent ones merged, as `0-5460,10923-16383` (a single
/// slot is just its number).
pub fn compact_ranges(ranges: &[(u16, u16)]) -> String {
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::new();
    for (a, b) in sorted {
        match merged.last_mut() {
            Some(last) if u32::from(a) <= u32::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    if merged.is_empty() {
        return "-".into();
    }
    merged
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn health(h: Health) -> &'static str {
    match h {
        Health::Online => "online",
        Health::Failed => "failed",
        Health::Loading => "loading",
    }
}

fn replica(n: &Node) -> String {
    match n.health {
        Health::Online => n.addr.to_string(),
        h => format!("{} ({})", n.addr, health(h)),
    }
}

/// The table: one row per shard (ordered by first slot), then a summary line.
pub fn render(t: &Topology) -> String {
    let mut shards: Vec<_> = t.shards().iter().collect();
    shards.sort_by_key(|s| s.ranges.iter().map(|r| r.0).min().unwrap_or(u16::MAX));
    let header = ["SHARD", "SLOTS", "COUNT", "PRIMARY", "REPLICAS", "HEALTH"];
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (i, s) in shards.iter().enumerate() {
        let count: u32 = s
            .ranges
            .iter()
            .map(|&(a, b)| u32::from(b.saturating_sub(a)) + 1)
            .sum();
        let replicas = if s.replicas.is_empty() {
            "-".to_string()
        } else {
            s.replicas
                .iter()
                .map(replica)
                .collect::<Vec<_>>()
                .join(", ")
        };
        rows.push([
            i.to_string(),
            compact_ranges(&s.ranges),
            count.to_string(),
            s.primary.addr.to_string(),
            replicas,
            health(s.primary.health).to_string(),
        ]);
    }
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(width).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(&format!("{c:<w$}  "));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for r in &rows {
        line(&r.each_ref().map(String::as_str));
    }
    let loading = shards.iter().any(|s| {
        s.primary.health == Health::Loading
            || s.replicas.iter().any(|r| r.health == Health::Loading)
    });
    if loading {
        out.push_str(
            "(health as CLUSTER SHARDS reports it: Redis 7.0 says \"loading\" for a replica \
             until it gossips a non-zero replication offset)\n",
        );
    }
    out.push_str(&format!(
        "{} shard{}, {} of {} slots assigned\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        t.assigned_slots(),
        SLOT_COUNT
    ));
    out
}

#[cfg(test)]
mod tests {
    use slotwise::topology::{Role, Shard};

    use super::*;

    fn node(addr: &str, role: Role, health: Health) -> Node {
        Node {
            addr: addr.into(),
            id: None,
            role,
            health,
        }
    }

    #[test]
    fn ranges_are_compact() {
        assert_eq!(compact_ranges(&[(0, 5460)]), "0-5460");
        assert_eq!(
            compact_ranges(&[(10, 20), (0, 4), (5, 9), (30, 30)]),
            "0-20,30"
        );
        assert_eq!(compact_ranges(&[]), "-");
        assert_eq!(compact_ranges(&[(16383, 16383), (0, 16382)]), "0-16383");
    }

    #[test]
    fn table() {
        let t = Topology::from_shards(vec![
            Shard {
                primary: node("127.0.0.1:7001", Role::Primary, Health::Online),
                replicas: vec![node("127.0.0.1:7004", Role::Replica, Health::Failed)],
                ranges: vec![(5461, 10922)],
            },
            Shard {
                primary: node("127.0.0.1:7000", Role::Primary, Health::Online),
                replicas: vec![
                    node("127.0.0.1:7003", Role::Replica, Health::Online),
                    node("127.0.0.1:7005", Role::Replica, Health::Online),
                ],
                ranges: vec![(0, 5460), (16000, 16000)],
            },
        ]);
        let text = render(&t);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "SHARD  SLOTS         COUNT  PRIMARY         REPLICAS                        HEALTH",
                "0      0-5460,16000  5462   127.0.0.1:7000  127.0.0.1:7003, 127.0.0.1:7005  online",
                "1      5461-10922    5462   127.0.0.1:7001  127.0.0.1:7004 (failed)         online",
                "2 shards, 10924 of 16384 slots assigned",
            ]
        );
    }

    #[test]
    fn loading_gets_a_note() {
        let t = Topology::from_shards(vec![Shard {
            primary: node("h:1", Role::Primary, Health::Online),
            replicas: vec![node("h:2", Role::Replica, Health::Loading)],
            ranges: vec![(0, 16383)],
        }]);
        let text = render(&t);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains("h:2 (loading)"), "{text}");
        assert!(
            lines[2].starts_with("(health as CLUSTER SHARDS reports it"),
            "{text}"
        );
        assert_eq!(lines[3], "1 shard, 16384 of 16384 slots assigned");
    }
}
