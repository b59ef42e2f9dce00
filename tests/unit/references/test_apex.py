"""Apex extractor: SOQL, sObjects, fields, classes; comments and strings ignored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from changeway.adapters.references.apex import tokenize
from tests.unit.references._helpers import DEFAULT, certain, from_corpus, inline, key, targets


def apex(source: str, name: str = "Subject") -> dict:
    return targets(inline("ApexClass", name, {f"classes/{name}.cls": source}))


def test_dreamhouse_property_controller_names_its_soql_object_and_fields(
    corpus: Callable[[str], Path],
) -> None:
    root = corpus("dreamhouse-lwc")
    path = f"{DEFAULT}/classes/PropertyController.cls"
    found = targets(from_corpus(root, "ApexClass", "PropertyController", path))
    # Hand-checked against the file: FROM Property__c on line 39, WHERE fields on 42-46.
    assert found[key("CustomObject:Property__c")] == (39, False)
    assert found[key("CustomField:Property__c.City__c")] == (42, False)
    assert found[key("CustomField:Property__c.Baths__c")] == (46, False)
    assert found[key("CustomField:Property__c.Thumbnail__c")] == (59, False)
    assert found[key("ApexClass:PagedResult")] == (16, True)
    # Standard objects (ContentVersion) and standard fields (Name) are not dependencies.
    assert key("CustomObject:ContentVersion") not in found
    assert key("CustomField:Property__c.Name") not in found


def test_comments_and_string_literals_are_ignored() -> None:
    found = apex(
        """
        // Ghost__c in a line comment
        /* Phantom__c and [SELECT Id FROM Spirit__c] in a block comment */
        String q = 'SELECT Id FROM Wraith__c';
        Real__c r;
        """
    )
    assert set(found) == {key("CustomObject:Real__c"), key("ApexClass:String")}
    assert found[key("CustomObject:Real__c")] == (5, False)


def test_tokenizer_counts_lines_through_multiline_comments_and_strings() -> None:
    tokens = tokenize("/*\n\n*/ a\n'x\\'y' b\n")
    found = zip(tokens.text, tokens.line, tokens.ident, strict=True)
    assert [(text, line) for text, line, ident in found if ident] == [("a", 3), ("b", 4)]


def test_tokenizer_keeps_names_apart_across_comments_strings_and_numbers() -> None:
    tokens = tokenize("a/*x*/b 'p''q'c 1.5e3d x2 // y\n'open\nz")
    assert tokens.text == ["a", "b", "''", "''", "c", "x2", "''", "z"]
    assert tokens.line == [1, 1, 1, 1, 1, 1, 2, 3]


def test_a_file_cut_short_after_a_constructor_field_still_names_it() -> None:
    found = apex("Broker__c b = new Broker__c(Region__c =")
    assert found[key("CustomField:Broker__c.Region__c")] == (1, False)


def test_declared_variables_give_fields_their_object() -> None:
    found = apex(
        """
        for (Broker__c broker : brokers) {
            total += broker.Commission__c;
            name = broker.Manager__r.Name;
        }
        List<Property__c> homes = new List<Property__c>();
        Property__c home = new Property__c(Price__c = 1, Beds__c = 2);
        """
    )
    assert found[key("CustomField:Broker__c.Commission__c")] == (3, False)
    # A relationship name only suggests its lookup field: a candidate.
    assert found[key("CustomField:Broker__c.Manager__c")] == (4, True)
    assert found[key("CustomField:Property__c.Price__c")] == (7, False)
    assert found[key("CustomField:Property__c.Beds__c")] == (7, False)
    assert key("CustomObject:Price__c") not in found


def test_soql_subqueries_and_semi_joins() -> None:
    found = apex(
        """
        List<Account> accounts = [
            SELECT Region__c, (SELECT Amount__c FROM Invoices__r)
            FROM Account
            WHERE Id IN (SELECT Account__c FROM Visit__c WHERE Done__c = :flag)
        ];
        """
    )
    assert set(found) >= {
        key("CustomField:Account.Region__c"),
        key("CustomObject:Visit__c"),
        key("CustomField:Visit__c.Account__c"),
        key("CustomField:Visit__c.Done__c"),
    }
    # Child rows are read through a relationship whose object is unknown here.
    assert not any(k.name.endswith("Amount__c") for k in found)


def test_names_are_schema_tokens_labels_and_trigger_objects() -> None:
    found = apex(
        """
        Schema.SObjectField f = Schema.Invoice__c.Total__c;
        String greeting = System.Label.Welcome;
        Setting__mdt s = Setting__mdt.getInstance('Default');
        """
    )
    assert found[key("CustomField:Invoice__c.Total__c")] == (2, False)
    assert found[key("CustomLabel:Welcome")] == (3, False)
    assert found[key("CustomObject:Setting__mdt")] == (4, False)
    trigger = inline(
        "ApexTrigger", "InvoiceTrigger", {"t.trigger": "trigger InvoiceTrigger on Invoice__c"}
    )
    assert certain(trigger) == {key("CustomObject:Invoice__c")}


def test_identifiers_become_class_candidates_except_methods_and_local_types() -> None:
    found = apex(
        """
        public class Subject extends BaseService {
            class Inner {}
            Inner helper = new Inner();
            public void run() { Util.doIt(); localCall(); new Outside(); }
        }
        """
    )
    classes = {k.name for k, (_, candidate) in found.items() if k.type == "ApexClass"}
    assert {"BaseService", "Util", "Outside"} <= classes
    assert not {"Inner", "run", "localCall", "Subject"} & classes
    assert all(candidate for k, (_, candidate) in found.items() if k.type == "ApexClass")


def fields(found: dict) -> dict[str, bool]:
    """Field references found: full name -> candidate."""
    return {k.name: candidate for k, (_, candidate) in found.items() if k.type == "CustomField"}


def test_parameters_of_the_same_name_take_the_type_of_their_own_method() -> None:
    found = apex(
        """
        public with sharing class InvoiceService {
            public static Decimal total(Invoice__c s) {
                return s.Amount__c;
            }
            public static String owner(Visit__c s) {
                return s.Inspector__c;
            }
        }
        """
    )
    assert fields(found) == {"Invoice__c.Amount__c": False, "Visit__c.Inspector__c": False}
    assert found[key("CustomField:Visit__c.Inspector__c")][0] == 7


def test_class_fields_are_seen_everywhere_and_locals_shadow_them() -> None:
    found = apex(
        """
        public class Scheduler {
            public void plan() {
                current.Start__c = Date.today();
                Shift__c current = new Shift__c();
                current.End__c = Date.today();
            }
            public void undo() {
                current.Status__c = 'Open';
            }
            private Visit__c current;
        }
        """
    )
    # Before the local is declared, ``current`` is the class field (a Visit__c); after, the
    # local (a Shift__c); in another method, the field again.
    assert fields(found) == {
        "Visit__c.Start__c": False,
        "Shift__c.End__c": False,
        "Visit__c.Status__c": False,
    }


def test_loop_catch_and_this_variables_have_their_declared_types() -> None:
    found = apex(
        """
        public class Totals {
            private Budget__c budget;
            public Decimal sum(List<Invoice__c> invoices, List<Visit__c> visits) {
                Decimal total = 0;
                for (Invoice__c row : invoices) total += row.Amount__c;
                for (Visit__c row : visits) {
                    total += row.Cost__c;
                }
                try {
                    this.budget.Spent__c = total;
                } catch (Budget_Exception__e row) {
                    row.Message__c = 'failed';
                }
                return total;
            }
        }
        """
    )
    assert fields(found) == {
        "Invoice__c.Amount__c": False,
        "Visit__c.Cost__c": False,
        "Budget__c.Spent__c": False,
        "Budget_Exception__e.Message__c": False,
    }


def test_a_variable_whose_type_cannot_be_known_names_no_field() -> None:
    found = apex(
        """
        public class Child extends BaseController {
            public void one() { Invoice__c record = null; }
            public void two() {
                // ``record`` is not visible here: an inherited field of an unknown type.
                record.Amount__c = 1;
                inherited.Amount__c = 2;
                Sale__c.Amount__c.getDescribe();
            }
        }
        """
    )
    # ``Sale__c.Amount__c`` is a field token of an sObject type, not a variable.
    assert fields(found) == {"Sale__c.Amount__c": False}


def test_inner_classes_keep_their_fields_and_their_types_are_not_sobjects() -> None:
    found = apex(
        """
        public class Outer {
            public class Row {
                public Invoice__c record;
                public Decimal amount() { return record.Amount__c; }
            }
            public Visit__c record;
            public void run(Row row) {
                row.Total__c = record.Cost__c;
            }
        }
        """
    )
    assert fields(found) == {"Invoice__c.Amount__c": False, "Visit__c.Cost__c": False}
    assert key("ApexClass:Row") not in found


def test_labels_with_a_namespace_and_label_methods() -> None:
    found = apex(
        """
        String a = System.Label.npsp.Donation_Title;
        String b = Label.Local_Title.trim();
        String c = Label.hed.Course_Title.toUpperCase();
        String d = String.format(Label.Plain_Title, args);
        """
    )
    labels = {k.name: line for k, (line, _) in found.items() if k.type == "CustomLabel"}
    assert labels == {
        "npsp__Donation_Title": 2,
        "Local_Title": 3,
        "hed__Course_Title": 4,
        "Plain_Title": 5,
    }


def test_a_type_is_a_class_even_where_a_variable_shares_its_name() -> None:
    found = apex(
        """
        public class Report {
            void build() {
                List<ShiftModel> shifts = new List<ShiftModel>();
                ShiftModel shiftModel = new ShiftModel('a');
                shifts.add(shiftModel);
                TourService[] services;
            }
            void check() {
                Object o = Helper.make();
            }
            void other(Integer helper) { }
        }
        """
    )
    # Apex names are case-insensitive: the local shiftModel does not hide class ShiftModel
    # where only a type can stand (type arguments, new, declarations, arrays).
    assert found[key("ApexClass:ShiftModel")] == (4, True)
    assert found[key("ApexClass:TourService")] == (7, True)
    # Helper is a parameter of another method: at line 10 it cannot be known, so not named.
    assert key("ApexClass:Helper") not in found
