//! template.yaml's alarms and dashboard watch the metrics vendor-fn's log
//! line really publishes (its Embedded Metric Format directives), so a
//! renamed metric can't leave an alarm watching nothing.

mod repo_files;

use std::collections::BTreeSet;

use repo_files::template;
use serde_json::Value;
use vendor_fn::metrics::RequestMetrics;

/// Every (namespace, metric) vendor-fn's line declares, on success and refusal.
fn published() -> BTreeSet<(String, String)> {
    let refused = vendor_fn::VendError::UnknownTenant;
    let mut names = BTreeSet::new();
    for error in [None, Some(&refused)] {
        let metrics = RequestMetrics {
            tier: Some("basic"),
            status: 403,
            error,
            latency_ms: 1.0,
            timestamp_ms: 0,
        };
        let members = metrics.members();
        for directive in members["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            for metric in directive["Metrics"].as_array().unwrap() {
                names.insert((
                    directive["Namespace"].as_str().unwrap().to_owned(),
                    metric["Name"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    names
}

#[test]
fn every_alarm_watches_a_metric_vendor_fn_publishes() {
    let tpl = template();
    let published = published();
    let mut alarms = 0;
    for (name, resource) in tpl["Resources"].as_object().unwrap() {
        if resource["Type"] != "AWS::CloudWatch::Alarm" {
            continue;
        }
        alarms += 1;
        let p = &resource["Properties"];
        let mut watched: Vec<&Value> = vec![p];
        for m in p["Metrics"].as_array().into_iter().flatten() {
            watched.push(&m["MetricStat"]["Metric"]);
        }
        let mut named = 0;
        for metric in watched {
            if let (Some(namespace), Some(metric)) =
                (metric["Namespace"].as_str(), metric["MetricName"].as_str())
            {
                assert!(
                    published.contains(&(namespace.to_owned(), metric.to_owned())),
                    "{name} watches {namespace}/{metric}, which vendor-fn does not publish ({published:?})"
                );
                named += 1;
            }
        }
        assert!(named > 0, "{name} watches no metric");
    }
    assert_eq!(alarms, 2, "the 5xx-rate and STS-throttling alarms");
}

#[test]
fn the_dashboard_charts_every_published_metric() {
    let tpl = template();
    let body = tpl["Resources"]["VendorDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
        .as_str()
        .expect("the dashboard body is one Fn::Sub string");
    let published = published();
    for (_, metric) in &published {
        // Requests is the alarm's denominator, not a chart of its own.
        assert!(
            body.contains(&format!("\"{metric}\"")) || metric == "Requests",
            "the dashboard lacks {metric}"
        );
    }
}

#[test]
fn the_dashboard_body_is_json_once_substituted() {
    let tpl = template();
    let body = tpl["Resources"]["VendorDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
        .as_str()
        .expect("the dashboard body is one Fn::Sub string");
    let mut substituted = String::new();
    let mut rest = body;
    while let Some(start) = rest.find("${") {
        substituted.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("a closed ${…}") + start;
        substituted.push('x');
        rest = &rest[end + 1..];
    }
    substituted.push_str(rest);
    let parsed: Value = serde_json::from_str(&substituted)
        .unwrap_or_else(|e| panic!("DashboardBody is not JSON ({e}):\n{substituted}"));
    assert!(parsed["widgets"].as_array().is_some_and(|w| !w.is_empty()));
}
