//! The person-record store: the merge and erasure handle every table that points at a person or
//! an account, and people search treats wildcards literally.

use chapterhouse_testkit::sql::{self};

use super::*;

/// Every foreign key to `person` or `account` in the schema, read from the database itself.
async fn references_in_schema(db: &Db) -> Vec<(String, String, String)> {
    let sql_text = match db {
        Db::Sqlite(_) => {
            "SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_master m, \
             pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.\"table\" IN ('person', 'account') \
             AND f.\"from\" <> 'society_id'"
        }
        Db::Postgres(_) => {
            "SELECT CAST(cl.relname AS TEXT), CAST(a.attname AS TEXT), CAST(ref.relname AS TEXT) \
             FROM pg_constraint c \
             JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_class ref ON ref.oid = c.confrelid \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.contype = 'f' AND ref.relname IN ('person', 'account') \
             AND a.attname <> 'society_id'"
        }
    };
    let mut found: Vec<(String, String, String)> = sql::texts(db, sql_text, &[])
        .await
        .into_iter()
        .map(|r| {
            let text = |i: usize| r[i].clone().unwrap_or_default();
            (text(0), text(1), text(2))
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[tokio::test]
async fn merge_and_erasure_know_every_table_that_points_at_a_person() {
    let db = test_db().await;
    let in_schema = references_in_schema(&db.db).await;
    let mut handled: Vec<(String, String, String)> = PERSON_REFERENCES
        .iter()
        .map(|(t, c, r)| (t.to_string(), c.to_string(), r.to_string()))
        .collect();
    handled.sort();
    assert!(in_schema.len() > 10, "the schema query found {in_schema:?}");
    assert_eq!(
        in_schema, handled,
        "a table references person or account: handle it in store::records (merge_person_into, \
         delete_person, anonymise_person) and list it in PERSON_REFERENCES"
    );
}

#[tokio::test]
async fn people_search_matches_names_and_emails_and_treats_wildcards_literally() {
    let db = test_db().await;
    let store = Store::new(db.db.clone());
    let s = society(&store, "alpha").await;
    let other = society(&store, "beta").await;
    let scoped = store.scoped(&s);
    let mut tx = scoped.begin().await.unwrap();
    let ada = tx
        .insert_person("ada_b@alpha.example", "Dr Ada Byron", T0)
        .await
        .unwrap();
    tx.insert_person("adaxb@alpha.example", "Dr Ada Other", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.scoped(&other).begin().await.unwrap();
    tx.insert_person("ada@beta.example", "Dr Ada Beta", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let names = |found: Vec<PersonMatch>| -> Vec<String> {
        found.into_iter().map(|p| p.display_name).collect()
    };
    assert_eq!(
        names(scoped.find_people("ada", None, 10).await.unwrap()),
        vec!["Dr Ada Byron", "Dr Ada Other"],
        "only this society's people"
    );
    assert_eq!(
        names(scoped.find_people("ADA_B", None, 10).await.unwrap()),
        vec!["Dr Ada Byron"],
        "an underscore is not a wildcard"
    );
    assert_eq!(
        names(scoped.find_people("ada", Some(ada), 10).await.unwrap()),
        vec!["Dr Ada Other"],
        "the person being merged into is left out"
    );
    assert!(
        scoped
            .find_people("100%", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
