//! Startup and first-query costs on the demo dataset: building the dataset, drawing the
//! first frame of the workbench, and the issue's example query on the local engine.
//! Run: `cargo bench --bench startup`.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use kqlhunt::backend::BackendKind;
use kqlhunt::data::time::now_ticks;
use kqlhunt::engine::{Catalog, ExecContext, execute};
use kqlhunt::tui::{app::App, theme::Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn first_frame(c: &mut Criterion) {
    // What the binary does before its first frame: build the App and draw it once. The
    // demo dataset is generated off the UI thread and does not delay the frame.
    c.bench_function("first_frame_160x48", |b| {
        b.iter(|| {
            let mut app = App::new(BackendKind::Local, Theme::dark());
            let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
            terminal.draw(|f| app.draw(f, Instant::now())).unwrap();
            black_box(terminal);
        })
    });
}

fn demo_dataset(c: &mut Criterion) {
    let now = now_ticks();
    let mut group = c.benchmark_group("demo");
    group.sample_size(20);
    group.bench_function("generate", |b| {
        b.iter(|| black_box(kqlhunt::demo::generate(now)))
    });
    group.finish();
}

fn example_query(c: &mut Criterion) {
    let now = now_ticks();
    let catalog = Catalog::from_tables(kqlhunt::demo::generate(now).into_tables());
    let ctx = ExecContext {
        now,
        ..Default::default()
    };
    let q = r#"DeviceProcessEvents | where FileName =~ "powershell.exe" | take 20"#;
    c.bench_function("local_where_eq_ci_take20", |b| {
        b.iter(|| black_box(execute(&catalog, q, &ctx).unwrap()))
    });
    let q = r#"DeviceProcessEvents | where ProcessCommandLine has "-enc" | sort by Timestamp desc"#;
    c.bench_function("local_where_has_sort", |b| {
        b.iter(|| black_box(execute(&catalog, q, &ctx).unwrap()))
    });
}

criterion_group!(benches, first_frame, demo_dataset, example_query);
criterion_main!(benches);
