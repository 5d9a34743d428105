using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>Removes the gadugi-test/ images a test created, and answers whether an image exists.</summary>
internal static class TestImages
{
    public static async Task<bool> ExistsAsync(IDockerClient client, string reference)
    {
        try
        {
            await client.Images.InspectImageAsync(reference);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Every image tagged in <paramref name="repository"/> (which must be under gadugi-test/).</summary>
    public static async Task<IList<ImagesListResponse>> InRepositoryAsync(IDockerClient client, string repository)
    {
        Assert.StartsWith("gadugi-test/", repository);
        return await client.Images.ListImagesAsync(new ImagesListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [repository] = true } },
        });
    }

    public static async Task RemoveAsync(IDockerClient client, params string[] referencesOrIds)
    {
        foreach (var reference in referencesOrIds)
        {
            try
            {
                await client.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = true });
            }
            catch (DockerImageNotFoundException)
            {
                // Already gone.
            }
        }
    }
}
