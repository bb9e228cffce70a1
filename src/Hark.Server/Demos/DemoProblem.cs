namespace Hark.Server.Demos;

/// <summary>RFC 9457 answers of the demo APIs, typed <c>urn:hark:demo:*</c>.</summary>
internal static class DemoProblem
{
    public static IResult Of(int status, string type, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: "urn:hark:demo:" + type);

    public static IResult BadRequest(string type, string detail) => Of(StatusCodes.Status400BadRequest, type, "Bad request", detail);
}
