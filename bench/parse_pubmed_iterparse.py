#!/usr/bin/env python3
"""Reference point for bench/parse.bench.ts: Python's stdlib ElementTree iterparse over a PubMed XML file,
extracting the same fields as shared/adapters/pubmed/parse-pubmed-record.ts and freeing each record after
use (elem.clear()), which is the usual way to stream PubMed baseline files in Python.

Usage: parse_pubmed_iterparse.py FILE  -> prints one JSON object with records, wall and CPU seconds, MB/s and
peak RSS.
"""
import json
import os
import re
import resource
import sys
import time
import xml.etree.ElementTree as ET

WHITESPACE = re.compile(r"\s+")
MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}


def text(elem):
    if elem is None:
        return None
    value = WHITESPACE.sub(" ", "".join(elem.itertext())).strip()
    return value or None


def month(raw):
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    return MONTHS.get(raw[:3].lower())


def iso_date(elem):
    if elem is None:
        return None
    y, m, d = text(elem.find("Year")), month(text(elem.find("Month"))), text(elem.find("Day"))
    if not (y and m and d):
        return None
    return "%s-%02d-%02d" % (y, m, int(d))


def authors(author_list):
    found = []
    if author_list is None:
        return found
    for author in author_list.findall("Author"):
        if author.get("ValidYN") == "N":
            continue
        orcid = None
        for ident in author.findall("Identifier"):
            if ident.get("Source") == "ORCID":
                match = re.search(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])", ident.text or "")
                orcid = "-".join(match.groups()) if match else None
        collective = text(author.find("CollectiveName"))
        if collective:
            found.append({"collective": collective, "orcid": orcid})
        elif text(author.find("LastName")):
            found.append({"family": text(author.find("LastName")), "given": text(author.find("ForeName")),
                          "initials": text(author.find("Initials")), "orcid": orcid})
    return found


def record(elem):
    book = elem.tag == "PubmedBookArticle"
    doc = elem.find("BookDocument" if book else "MedlineCitation")
    art = doc if book else doc.find("Article")
    data = elem.find("PubmedBookData" if book else "PubmedData")
    pmid = text(doc.find("PMID"))
    ids = {}
    for id_list in (doc.find("ArticleIdList"), data.find("ArticleIdList") if data is not None else None):
        if id_list is not None:
            for article_id in id_list.findall("ArticleId"):
                ids.setdefault(article_id.get("IdType", "pubmed"), text(article_id))
    doi = ids.get("doi")
    if not doi:
        for loc in art.findall("ELocationID"):
            if loc.get("EIdType") == "doi":
                doi = text(loc)
                break
    if book:
        pub_date = doc.find("Book/PubDate")
        author_list = next((a for a in doc.findall("AuthorList") if a.get("Type", "authors") == "authors"), None)
    else:
        pub_date = art.find("Journal/JournalIssue/PubDate")
        author_list = art.find("AuthorList")
    medline_date = text(pub_date.find("MedlineDate")) if pub_date is not None else None
    year = text(pub_date.find("Year")) if pub_date is not None else None
    if not year and medline_date:
        match = re.search(r"\d{4}", medline_date)
        year = match.group(0) if match else None
    created = None
    history = data.find("History") if data is not None else None
    if history is not None:
        for date in history.findall("PubMedPubDate"):
            if date.get("PubStatus") == "entrez":
                created = iso_date(date)
    links = [{"type": c.get("RefType"), "pmid": text(c.find("PMID")), "refSource": text(c.find("RefSource"))}
             for c in doc.findall("CommentsCorrectionsList/CommentsCorrections") if c.get("RefType") != "Cites"]
    types = [text(t) for t in (doc.findall("PublicationType") if book else art.findall("PublicationTypeList/PublicationType"))]
    journal = None if book else art.find("Journal")
    return {
        "pmid": pmid,
        "doi": doi.lower() if doi else None,
        "pmcid": ids.get("pmc"),
        "title": text(art.find("ArticleTitle")),
        "vernacularTitle": text(art.find("VernacularTitle")),
        "abstract": [{"label": a.get("Label"), "category": a.get("NlmCategory"), "text": text(a)}
                     for a in art.findall("Abstract/AbstractText")],
        "authors": authors(author_list),
        "journal": None if journal is None else {
            "title": text(journal.find("Title")), "isoAbbreviation": text(journal.find("ISOAbbreviation")),
            "issn": text(journal.find("ISSN")), "volume": text(journal.find("JournalIssue/Volume")),
            "issue": text(journal.find("JournalIssue/Issue")), "pages": text(art.find("Pagination/MedlinePgn"))},
        "bookTitle": text(doc.find("Book/BookTitle")) if book else None,
        "year": int(year) if year else None,
        "month": month(text(pub_date.find("Month"))) if pub_date is not None else None,
        "medlineDate": medline_date,
        "languages": [text(lang) for lang in art.findall("Language")],
        "publicationTypes": types,
        "meshHeadings": [text(d) for d in doc.findall("MeshHeadingList/MeshHeading/DescriptorName")],
        "keywords": [text(k) for k in doc.findall("KeywordList/Keyword")],
        "pubmedStatus": doc.get("Status"),
        "createdDate": created,
        "links": links,
        "isRetracted": "Retracted Publication" in types or any(l["type"] == "RetractionIn" for l in links),
    }


def main(path):
    started = time.perf_counter()
    cpu_started = time.process_time()
    records = 0
    deleted = 0
    for _event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag in ("PubmedArticle", "PubmedBookArticle"):
            record(elem)
            records += 1
            elem.clear()  # frees the record's subtree; only an empty element stays under the root
        elif elem.tag == "DeleteCitation":
            deleted += len(elem.findall("PMID"))
            elem.clear()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    size_mb = os.path.getsize(path) / 1e6
    print(json.dumps({
        "records": records,
        "deletedPmids": deleted,
        "seconds": round(seconds, 3),
        "cpuSeconds": round(cpu_seconds, 3),
        "mbPerSecond": round(size_mb / seconds, 1),
        "recordsPerSecond": round(records / seconds),
        # ru_maxrss is in kilobytes on Linux.
        "maxRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
